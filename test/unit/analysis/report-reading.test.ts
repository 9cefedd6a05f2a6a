// The report of a study as a person reads it: a reason a figure is missing is said once, in a
// note under the table, however many rows it stands for; and the lab's own machines (the
// hypervisor host, the peer) are described in words, as the guests are, never as JSON.
import * as assert from "assert";
import { bottleneckRows, reportMarkdown } from "../../../analysis/report";
import type { HostFacts } from "../../../model";
import { sourceOf } from "../../plans";
import { ESX_NOT_SAMPLED, run, studySources } from "../../study-sources";

const section = (md: string, title: string) => {
    const from = md.indexOf(`## ${title}\n`);
    assert.ok(from >= 0, `a section "${title}"`);
    const next = md.indexOf("\n## ", from + 1);
    return md.slice(from, next < 0 ? undefined : next);
};

const count = (text: string, part: string) => text.split(part).length - 1;

describe("report: read as a person reads it", () => {
    const sources = studySources();
    const md = reportMarkdown(sources, { mismatches: [], charts: [] });

    it("says why the ESXi host was not sampled once, in a note under the table, however many rows lack its CPU", () => {
        const where = section(md, "Where the CPU goes");
        const esxRows = where.split("\n").filter((l) => l.startsWith("| esx |"));
        assert.strictEqual(esxRows.length, 8, "every esx run has its row");
        assert.strictEqual(count(where, "no SSH login for the ESXi host"), 1, where);
        for (const row of esxRows) assert.match(row, /\| not sampled \(note 1\) \|/);
        // The note follows the table, numbered as the cells name it.
        const table = where.lastIndexOf("\n|");
        assert.ok(where.indexOf(`Note 1: ${ESX_NOT_SAMPLED}`) > table, where);
    });

    it("gives each different reason its own note, and identical reasons one, in the order the rows name them", () => {
        const refused = "dom0 (xen host): no CPU sample (ssh: connection refused)";
        const xen = sourceOf("xen", [
            run("send", 1, 900, { missing: refused }),
            run("send", 2, 900, { missing: ESX_NOT_SAMPLED }),
            run("send", 3, 900, { missing: refused }),
            run("send", 4, 900, { name: "dom0", busyPct: 80 }),
        ]);
        const { rows, notes } = bottleneckRows([xen]);
        assert.deepStrictEqual(notes, [refused, ESX_NOT_SAMPLED]);
        assert.deepStrictEqual(
            rows.map((r) => r[4]),
            ["not sampled (note 1)", "not sampled (note 2)", "not sampled (note 1)", "80% (dom0)"],
        );
    });

    it("writes the lab's machines in words, as the guests are, with no JSON", () => {
        const machines = section(md, "Machines");
        assert.ok(!machines.includes('{"'), machines);
        assert.ok(!/[{}]/.test(machines), machines);
        // The hypervisor host of kvm and xen, in the guests' form: its CPU model, kernel, NICs.
        assert.match(
            machines,
            /\*\*kvm\*\*[\s\S]*- host \(hypervisor host\): kernel 6\.1\.0-28-amd64, AMD EPYC 7302P 16-Core Processor, virtualization none; eno1 tg3 1000 Mb\/s/,
        );
        assert.match(
            machines,
            /\*\*xen\*\*[\s\S]*- host \(hypervisor host\): kernel 6\.1\.0-28-amd64, AMD EPYC 7302P 16-Core Processor, virtualization xen, xen 4\.17; eno1 tg3/,
        );
        // native's machine and peer are endpoints too: each is described once, with its NICs.
        const native = machines.slice(machines.indexOf("**native**"), machines.indexOf("**esx**"));
        assert.deepStrictEqual(
            native
                .split("\n")
                .filter((l) => l.startsWith("- "))
                .map((l) => l.split(":")[0]),
            ["- host", "- peer"],
        );
        // The peer is an endpoint too, described once with its NICs.
        const kvm = machines.slice(machines.indexOf("**kvm**"), machines.indexOf("**xen**"));
        assert.strictEqual(count(kvm, "- peer"), 1, kvm);
        assert.match(
            kvm,
            /- peer: kernel 6\.1\.0-28-amd64, Intel\(R\) Xeon\(R\) E-2236 CPU @ 3\.40GHz, virtualization none; enp1s0f0 igb 1000 Mb\/s/,
        );
    });

    it("says what a lab machine whose facts it cannot read as a machine's holds, still without JSON", () => {
        const odd = sourceOf("kvm", [run("send", 1, 900, { name: "host", busyPct: 10 })], {
            hostFacts: { host: { cpuModel: "AMD EPYC", sockets: 2, flags: ["svm"] } as unknown as HostFacts },
        });
        const machines = section(reportMarkdown([odd], { mismatches: [], charts: [] }), "Machines");
        assert.ok(!/[{}]/.test(machines), machines);
        assert.match(machines, /- host \(hypervisor host\): cpuModel AMD EPYC, sockets 2, flags svm/);
    });
});
