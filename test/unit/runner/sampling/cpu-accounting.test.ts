// The CPU parsers on recorded and documented output: /proc/stat (read on this project's machine),
// /proc task stat lines, xentop -b (the documented column layout) and esxtop -b (its CSV format),
// and netperf's service demand.
import * as assert from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import {
    covering,
    CpuParseError,
    csvFields,
    parseEsxtop,
    parseProcStat,
    parseTaskStat,
    parseXentop,
    procStatUse,
    serviceDemandUsPerKB,
    threadUse,
} from "../../../../runner/sampling/cpu-accounting";

const fixture = (f: string) => readFileSync(path.join(__dirname, "..", "..", "..", "fixtures", "cpu", f), "utf8");

describe("cpu: /proc/stat", () => {
    const a = parseProcStat(fixture("proc-stat-a.txt"), 100);
    const b = parseProcStat(fixture("proc-stat-b.txt"), 102);
    it("reads the all-CPU line and each CPU's", () => {
        assert.deepStrictEqual(Object.keys(a.cpus), ["cpu0", "cpu1"]);
        assert.deepStrictEqual(a.total, {
            user: 188035,
            nice: 37,
            system: 33967,
            idle: 13115,
            iowait: 333,
            irq: 0,
            softirq: 2343,
            steal: 244,
        });
    });
    it("gives busy, user, system, softirq and steal between two readings, in % of the CPUs' time", () => {
        const u = procStatUse(a, b);
        // 342 user + 61 system ticks, no idle: a saturated machine.
        assert.deepStrictEqual(u.total, {
            busyPct: 100,
            userPct: 84.86,
            systemPct: 15.14,
            softirqPct: 0,
            irqPct: 0,
            stealPct: 0,
            iowaitPct: 0,
        });
        assert.strictEqual(u.perCpu.cpu0.userPct, 86.14);
        assert.strictEqual(u.from, 100);
        assert.strictEqual(u.to, 102);
    });
    it("counts idle and iowait as not busy, and leaves guest time inside user", () => {
        const x = parseProcStat("cpu  100 0 100 700 100 0 0 0 50 0\n", 0);
        const y = parseProcStat("cpu  200 0 150 1400 200 0 50 0 100 0\n", 1);
        assert.deepStrictEqual(procStatUse(x, y).total, {
            busyPct: 20,
            userPct: 10,
            systemPct: 5,
            softirqPct: 5,
            irqPct: 0,
            stealPct: 0,
            iowaitPct: 10,
        });
    });
    it("refuses text without a cpu line, and readings out of order", () => {
        assert.throws(() => parseProcStat("intr 1 2 3\n", 0), CpuParseError);
        assert.throws(() => procStatUse(b, a), /not after the first/);
    });
    it("picks the readings that cover a window, or none when they do not reach both ends", () => {
        const r = [5, 1, 3, 9, 7].map((at) => ({ at }));
        assert.deepStrictEqual(covering(r, { start: 3.5, end: 6 }), [{ at: 3 }, { at: 7 }]);
        assert.deepStrictEqual(covering(r, { start: 3, end: 9 }), [{ at: 3 }, { at: 9 }]);
        assert.strictEqual(covering(r, { start: 0.5, end: 6 }), undefined);
        assert.strictEqual(covering(r, { start: 2, end: 9.5 }), undefined);
    });
});

describe("cpu: threads", () => {
    it("reads a task stat line, whose name may hold spaces and parentheses", () => {
        const real = "1 (process_api) S 0 0 0 0 -1 4194560 448 1709103 0 878 0 19 5459 2544 10 -10 13 0 25 44429312 3314";
        assert.deepStrictEqual(parseTaskStat(real), { tid: 1, name: "process_api", ticks: 19 });
        const odd = "4242 (vhost-41 (x) y) R 1 2 3 4 -1 0 0 0 0 0 1500 250 0 0 20 0 1 0 5 0 0";
        assert.deepStrictEqual(parseTaskStat(odd), { tid: 4242, name: "vhost-41 (x) y", ticks: 1750 });
        assert.throws(() => parseTaskStat("garbage"), CpuParseError);
    });
    it("gives each thread's CPU in % of one CPU over the span", () => {
        const before = [
            { tid: 7, name: "vhost-7", ticks: 1000 },
            { tid: 8, name: "qemu", ticks: 50 },
        ];
        const after = [
            { tid: 7, name: "vhost-7", ticks: 1190 },
            { tid: 9, name: "new", ticks: 10 },
        ];
        assert.deepStrictEqual(threadUse(before, after, 2), [{ tid: 7, name: "vhost-7", cpuPct: 95 }]);
        assert.throws(() => threadUse(before, after, 0), CpuParseError);
    });
});

describe("cpu: xentop -b", () => {
    it("reads each frame's domains, CPU % of one physical CPU and vCPUs; the second frame is the measured one", () => {
        const frames = parseXentop(fixture("xentop-b.txt"));
        assert.strictEqual(frames.length, 2);
        assert.deepStrictEqual(frames[1], [
            { name: "Domain-0", state: "-----r", cpuPct: 98.7, vcpus: 1 },
            { name: "hvx-g1", state: "--b---", cpuPct: 41.2, vcpus: 1 },
            { name: "hvx-g2", state: "-----r", cpuPct: 39.9, vcpus: 1 },
        ]);
        assert.ok(
            frames[0].every((d) => d.cpuPct === 0),
            "the first frame is since boot",
        );
    });
    it("refuses output without a header", () => {
        assert.throws(() => parseXentop("xentop: could not open /proc/xen/privcmd\n"), /no xentop frame/);
    });
});

describe("cpu: esxtop -b", () => {
    it("reads physical CPUs' % Util Time and each group's % Used, by name", () => {
        const s = parseEsxtop(fixture("esxtop-b.csv"));
        assert.strictEqual(s.length, 2);
        assert.deepStrictEqual(s[1], {
            time: "11/30/2026 10:15:07",
            totalUtilPct: 96.45,
            perCpuUtilPct: { "0": 97.8, "1": 95.1 },
            groupUsedPct: { system: 7.8, "hvnetlab-g1": 92.05, "hvnetlab-g2": 90.11 },
        });
    });
    it("splits quoted CSV fields with commas and doubled quotes", () => {
        assert.deepStrictEqual(csvFields('"a,b","c""d",e,'), ["a,b", 'c"d', "e", ""]);
    });
    it("refuses a CSV without CPU counters", () => {
        assert.throws(() => parseEsxtop('"(PDH-CSV 4.0)","\\\\h\\Memory\\Free MBytes"\n"t","1"\n'), /no 'Physical Cpu/);
    });
});

describe("cpu: service demand", () => {
    it("is CPU-us per KB moved, as netperf defines it", () => {
        // One of 2 CPUs fully busy (50%) moving 1000 Mb/s: 1 CPU-s per 122070.3 KB = 8.19 us/KB.
        assert.strictEqual(serviceDemandUsPerKB(50, 2, 1000), 8.19);
        assert.strictEqual(serviceDemandUsPerKB(50, 2, 0), undefined);
    });
});
