// @integration: tearing a local lab down removes exactly what it made, whatever state it is in:
// half-created, already deleted, or left with the runner's clients running after a crash; and
// never anything of another lab on the same machine.
// Needs root and netperf (CI installs both); skipped with a message otherwise.
import * as assert from "assert";
import { execFileSync, spawn } from "child_process";
import { serverEndpoints } from "../../model";
import { netserverScripts } from "../../components/netperf-deployment";
import { localTopology, namespaceScripts, wireScripts } from "../../components/platforms/local";
import { leftovers, parseLocal, whyNoLocalLab } from "../lab-checks";

interface Step {
    readonly name: string;
    readonly create: string;
    readonly delete: string;
}

/** The local lab's command resources in creation order, as LocalLab and NetperfDeployment make them. */
function labSteps(prefix: string, subnet: string): Step[] {
    const values: Record<string, string> = { guests: "2", labPrefix: prefix, subnet };
    const config = parseLocal(values);
    const topology = localTopology(config);
    const ns = (endpoint: string) => topology.endpoints.find((e) => e.name === endpoint)!.access.namespace;
    const plan = {
        matrix: {
            experiments: config.experiments,
            peer: config.peer,
            tests: config.tests,
            messageSizes: config.messageSizes,
            guestCounts: [1, 2],
        },
        wires: topology.wires,
        endpoints: topology.endpoints,
    };
    return [
        ...topology.endpoints.map((e) => ({ name: `ns-${e.name}`, ...namespaceScripts(e.access.namespace) })),
        ...topology.wires.map((w) => ({ name: `wire-${w.index + 1}`, ...wireScripts(w, ns(w.guest), ns(w.peer)) })),
        ...serverEndpoints(plan).map((e) => ({
            name: `netserver-${e}`,
            ...netserverScripts(ns(e), config.netserverPort, config.netperfVersion),
        })),
    ];
}

const sh = (script: string) => execFileSync("sh", ["-c", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const create = (steps: Step[]) => steps.forEach((s) => sh(s.create));
/** What a destroy runs: every delete, in reverse order of creation. */
const destroy = (steps: Step[]) => [...steps].reverse().forEach((s) => sh(s.delete));

/** The other lab's namespaces, links and netservers, as a fingerprint that must not change. */
function snapshot(prefix: string): string[] {
    const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
        .split("\n")
        .map((l) => l.split(" ")[0])
        .filter((n) => n.startsWith(`${prefix}-`))
        .sort();
    return namespaces.flatMap((n) => [
        n,
        ...execFileSync("ip", ["-n", n, "-o", "addr", "show"], { encoding: "utf8" })
            .split("\n")
            .filter((l) => / inet /.test(l))
            .map((l) => l.replace(/\s+/g, " ").replace(/valid_lft.*$/, "")),
        ...execFileSync("ip", ["netns", "pids", n], { encoding: "utf8" })
            .split("\n")
            .filter(Boolean)
            .map((pid) => `pid ${pid}`),
    ]);
}

describe("@integration tearing a local lab down", function () {
    this.timeout(120000);
    const other = labSteps("hvtother", "10.87.0.0/24");
    let standing: string[] = [];

    before(function () {
        const why = whyNoLocalLab();
        if (why) {
            console.log(`    (skipped: the local lab ${why})`);
            this.skip();
        }
        create(other);
        standing = snapshot("hvtother");
        assert.ok(standing.length > 5, "the other lab stands");
    });

    after(() => {
        if (!whyNoLocalLab()) destroy(other);
    });

    afterEach(() => {
        assert.deepStrictEqual(snapshot("hvtother"), standing, "the other lab is untouched");
    });

    it("deletes a half-created lab: namespaces, one of two wires, no netserver", () => {
        const steps = labSteps("hvthalf", "10.88.0.0/24");
        create(steps.filter((s) => s.name.startsWith("ns-") || s.name === "wire-1"));
        assert.ok(leftovers("hvthalf").length >= 3);
        destroy(steps);
        assert.deepStrictEqual(leftovers("hvthalf"), []);
    });

    it("deletes twice: the second time finds nothing and succeeds", () => {
        const steps = labSteps("hvttwice", "10.89.0.0/24");
        create(steps);
        destroy(steps);
        destroy(steps);
        assert.deepStrictEqual(leftovers("hvttwice"), []);
    });

    it("deletes after the runner crashed with its clients still running", async () => {
        const steps = labSteps("hvtcrash", "10.91.0.0/24");
        create(steps);
        // The clients the runner would have started, orphaned: a crashed runner leaves them running.
        // Armed clients run netperf in debug mode, where it catches SIGTERM.
        const clients = ["g1", "g2"].map((g, i) =>
            spawn("ip", ["netns", "exec", `hvtcrash-${g}`, "netperf", "-d", "-H", `10.91.0.${4 * i + 1}`, "-l", "60", "-D", "1"], {
                detached: true,
                stdio: "ignore",
            }),
        );
        clients.forEach((c) => c.unref());
        await new Promise((r) => setTimeout(r, 1500));
        assert.ok(
            leftovers("hvtcrash").some((l) => l.startsWith("netperf")),
            "the clients run",
        );
        destroy(steps);
        await new Promise((r) => setTimeout(r, 300));
        assert.deepStrictEqual(leftovers("hvtcrash"), []);
    });
});
