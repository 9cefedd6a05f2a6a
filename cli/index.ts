// cli/: the `hvnetlab` command line, the only code of the library folders that parses argv,
// prints and chooses exit codes (measure, compare, report).
export { runCli } from "./main";
