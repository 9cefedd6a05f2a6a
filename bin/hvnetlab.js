#!/usr/bin/env node
// Entry point of the `hvnetlab` command: runs the TypeScript command line through ts-node.
const path = require("path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("../cli").runCli(process.argv.slice(2));
