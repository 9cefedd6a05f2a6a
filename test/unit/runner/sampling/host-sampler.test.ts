// The hypervisor host's CPU: what the kvm, xen and esx host samplers print, parsed and turned into
// a run's figures (the host's CPUs, each guest's QEMU vCPU and vhost threads, Xen domains, ESXi VM
// groups), what is missing and why, and the bottleneck verdict that names the host's thread. The
// xentop and esxtop text is written from their documented formats (test/fixtures/cpu); the kvm
// sampler's output has the shape its script prints (read for real by `npm run lab:qemu`).
import * as assert from "assert";
import { spawnSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import { bottleneck } from "../../../../runner/judging/bottleneck";
import type { RunCpuFigures } from "../../../../model";
import { hostDemandUsPerKB } from "../../../../runner/sampling/endpoint-sampler";
import { hostCpu, hostSamplerArgs, parseHostSamplerOutput, withHostCpu } from "../../../../runner/sampling/host-sampler";
import { HostSamplerError, windowMean } from "../../../../runner/sampling/host-sampler-interface";
import { qemuThreadRole } from "../../../../runner/sampling/kvm-host";
import { validatePlan } from "../../../../model";
import type { PlanHost } from "../../../../model";
import { esxPlanHost } from "../../../../components/platforms/esx";
import { kvmPlanHost } from "../../../../components/platforms/kvm";
import { xenPlanHost } from "../../../../components/platforms/xen";
import { kvmHostCpuProblems } from "../../../../tools/labs/qemu";
import { runPlan } from "../../../../runner/run-plan";
import type { ProcessResult, RunOptions, Transport } from "../../../../runner/transport/transport";
import type { ClockReading, PlanEndpoint, RunResult } from "../../../../model";
import { factsFor, testPlan } from "../../../plans";

const fixture = (f: string) => readFileSync(path.join(__dirname, "..", "..", "..", "fixtures", "cpu", f), "utf8");
const cpuLines = (f: string) =>
    fixture(f)
        .split("\n")
        .filter((l) => /^cpu\d*\s/.test(l));

const kvmHost: PlanHost = {
    name: "host",
    sampler: "kvm",
    access: { kind: "ssh", host: "10.213.0.1", user: "root", port: 22 },
    guests: { g1: "hvq-g1", g2: "hvq-g2" },
    guestVcpus: 1,
};

/** What the kvm script prints over two readings 2 s apart (uptime 500 -> 502, clock 1000 at uptime 500). */
function kvmOutput(): string {
    return [
        "hz 100",
        "clock 1000.0 500.0",
        "up 500.00",
        ...cpuLines("proc-stat-a.txt"),
        "thread hvq-g1 4001 1000000000 qemu-system-x86",
        "thread hvq-g1 4003 5000000000 CPU 0/TCG",
        "thread hvq-g2 4101 1000000000 qemu-system-x86",
        "thread hvq-g2 4103 5000000000 CPU 0/KVM",
        "thread hvq-g2 4110 2000000000 vhost-4101",
        "thread hvq-g2 4120 100000000 worker",
        "thread hvq-g2 4121 100000000 worker",
        "up 502.00",
        ...cpuLines("proc-stat-b.txt"),
        "thread hvq-g1 4001 1200000000 qemu-system-x86",
        "thread hvq-g1 4003 6940000000 CPU 0/TCG",
        "thread hvq-g2 4101 1100000000 qemu-system-x86",
        "thread hvq-g2 4103 5600000000 CPU 0/KVM",
        "thread hvq-g2 4110 3900000000 vhost-4101",
        "thread hvq-g2 4120 120000000 worker",
        "thread hvq-g2 4121 160000000 worker",
        "",
    ].join("\n");
}

describe("host cpu: the samplers' argument vectors", () => {
    it("pass the domains as arguments (never in the script), and refuse a name with shell or path characters", () => {
        const argv = hostSamplerArgs(kvmHost, 1000.2, 1);
        assert.deepStrictEqual(argv.slice(3), ["hvnetlab-host-cpu", "1001", "1", "hvq-g1", "hvq-g2"]);
        assert.throws(() => hostSamplerArgs({ sampler: "kvm", guests: { g1: "../etc/x" } }, 1000, 1), HostSamplerError);
        assert.throws(() => hostSamplerArgs({ sampler: "kvm", guests: { g1: "a b" } }, 1000, 1), /not \[A-Za-z0-9_.-\]\+/);
    });
    it("give xentop a delay of whole seconds (at least 1) and esxtop one of at least 2 s, as their manuals allow", () => {
        assert.strictEqual(hostSamplerArgs({ sampler: "xen", guests: {} }, 1000, 0.5).at(-1), "1");
        assert.strictEqual(hostSamplerArgs({ sampler: "esx", guests: {} }, 1000, 1).at(-1), "2");
    });
    it("each script is valid sh", () => {
        for (const k of ["kvm", "xen", "esx"] as const) {
            const script = hostSamplerArgs({ sampler: k, guests: {} }, 1000, 1)[2];
            const r = spawnSync("sh", ["-n", "-c", script], { encoding: "utf8" });
            assert.strictEqual(r.status, 0, `${k}: ${r.stderr}`);
        }
    });
    it("the kvm sampler, run for real here, reads /proc/stat and says which domain's QEMU pid file it could not read", () => {
        const argv = hostSamplerArgs({ sampler: "kvm", guests: { g1: "hvnetlab-test-nosuch" } }, Date.now() / 1000 + 1, 0.3);
        const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const o = parseHostSamplerOutput("kvm", r.stdout);
        assert.ok(o.stats.length >= 2, r.stdout);
        assert.deepStrictEqual(o.threads, []);
        assert.strictEqual(o.missing.length, 1, "said once, not every interval");
        assert.match(o.missing[0], /^hvnetlab-test-nosuch's QEMU process: no readable \/run\/libvirt\/qemu\/hvnetlab-test-nosuch\.pid/);
    });
});

describe("host cpu: kvm", () => {
    const window = { start: 1000.5, end: 1001.5 };
    const figures = hostCpu(kvmHost, parseHostSamplerOutput("kvm", kvmOutput()), window);
    it("gives the host's CPUs as a hypervisor machine whose guests' CPU is inside its own", () => {
        assert.strictEqual(figures.machine?.machine, "host");
        assert.strictEqual(figures.machine?.role, "hypervisor");
        assert.deepStrictEqual(figures.machine?.guests, ["g1", "g2"]);
        assert.strictEqual(figures.machine?.total.busyPct, 100);
        assert.strictEqual(figures.machine?.cpus, 2);
    });
    it("gives each guest's QEMU threads by role: vCPU and vhost threads one by one, the rest summed by name, in % of one CPU", () => {
        const t = Object.fromEntries(figures.threads.map((x) => [`${x.guest} ${x.thread} ${x.name}`, x.cpuPct]));
        assert.deepStrictEqual(t, {
            "g1 QEMU qemu-system-x86": 10,
            "g1 vCPU 0 CPU 0/TCG": 97,
            "g2 QEMU qemu-system-x86": 5,
            "g2 vCPU 0 CPU 0/KVM": 30,
            "g2 vhost vhost-4101": 95,
            "g2 QEMU worker": 4,
        });
        const workers = figures.threads.find((x) => x.name === "worker")!;
        assert.deepStrictEqual([workers.label, workers.cpus, workers.tid], ["g2's 2 QEMU threads 'worker'", 2, undefined]);
    });
    it("says where a guest has no vhost thread, and why", () => {
        assert.ok(
            figures.missing.some((m) => /g1 \(hvq-g1\) has no vhost thread/.test(m)),
            figures.missing.join("\n"),
        );
        assert.ok(!figures.missing.some((m) => /g2 \(hvq-g2\) has no vhost/.test(m)));
    });
    it("reports only the run's guests", () => {
        const one = hostCpu(kvmHost, parseHostSamplerOutput("kvm", kvmOutput()), window, ["g1"]);
        assert.deepStrictEqual([...new Set(one.threads.map((x) => x.guest))], ["g1"]);
    });
    it("names QEMU's threads", () => {
        assert.strictEqual(qemuThreadRole("CPU 3/KVM"), "vCPU 3");
        assert.strictEqual(qemuThreadRole("vhost-4101"), "vhost");
        assert.strictEqual(qemuThreadRole("IO mon_iothread"), "QEMU");
    });
    it("the bottleneck names the saturated vhost thread and vCPU thread, busiest first", () => {
        const cpu = withHostCpu(
            { machines: [], processes: [], missing: [] },
            [{ host: kvmHost, output: parseHostSamplerOutput("kvm", kvmOutput()) }],
            window,
        );
        const v = bottleneck({ goodputPct: 60, streams: [{ endpoint: "g1", goodputPct: 60 }], cpu });
        assert.strictEqual(v.kind, "cpu");
        assert.match(v.says, /^g1's vCPU 0 thread \(QEMU\) at 97% of a CPU; g2's vhost thread at 95% of a CPU; host cpu0 at 100% busy/);
    });
});

/** dom0's sampler output: /proc/stat at uptime 500 and 502, xentop frames printed at 499 (since boot), 501 and 503. */
function xenOutput(xentop = true): string {
    const frames = fixture("xentop-b.txt").split("\n").filter(Boolean);
    const [f1, f2] = [frames.slice(0, 4), frames.slice(4, 8)];
    const framed = (at: number, f: string[]) => [`xframe ${at}`, ...f.map((l) => `xentop ${l}`)];
    return [
        "hz 100",
        "clock 1000.0 500.0",
        ...(xentop ? framed(499, f1) : ["missing xentop: not found on dom0 (Debian's xen-utils package has it), so no per-domain CPU"]),
        "up 500.00",
        ...cpuLines("proc-stat-a.txt"),
        ...(xentop ? framed(501, f2) : []),
        "up 502.00",
        ...cpuLines("proc-stat-b.txt"),
        ...(xentop
            ? framed(
                  503,
                  f2.map((l) => l.replace(" 98.7 ", " 99.1 ")),
              )
            : []),
        "",
    ].join("\n");
}

describe("host cpu: xen", () => {
    const dom0 = xenPlanHost(
        {
            host: { address: "10.215.0.1", user: "root", port: 22, managementNic: "m", nics: [] },
            labPrefix: "hvx",
            guest: { vcpus: 1 } as never,
        },
        [{ guest: "g1" }, { guest: "g2" }] as never,
    );
    const window = { start: 1000.5, end: 1001.5 };
    it("names dom0 and the domains as the Xen lab's libvirt makes them", () => {
        assert.deepStrictEqual(
            { name: dom0.name, sampler: dom0.sampler, guests: dom0.guests, access: dom0.access },
            {
                name: "dom0",
                sampler: "xen",
                guests: { g1: "hvx-g1", g2: "hvx-g2" },
                access: { kind: "ssh", host: "10.215.0.1", user: "root", port: 22 },
            },
        );
    });
    it("gives dom0's vCPUs from its /proc/stat, and Domain-0's and each guest's CPU(%) over the window from xentop's later frames", () => {
        const f = hostCpu(dom0, parseHostSamplerOutput("xen", xenOutput()), window);
        assert.strictEqual(f.machine?.machine, "dom0");
        assert.strictEqual(f.machine?.cpuNoun, "vCPU");
        const d = Object.fromEntries(f.threads.map((t) => [t.guest, [t.domain, t.cpuPct, t.cpus]]));
        // The window's first half is in the frame printed at 1001 (98.7), its second in the one at 1003 (99.1).
        assert.deepStrictEqual(d, { dom0: ["Domain-0", 98.9, 1], g1: ["hvx-g1", 41.2, 1], g2: ["hvx-g2", 39.9, 1] });
        assert.deepStrictEqual(f.missing, []);
    });
    it("the bottleneck names dom0's vCPU", () => {
        const cpu = withHostCpu(
            { machines: [], processes: [], missing: [] },
            [{ host: dom0, output: parseHostSamplerOutput("xen", xenOutput()) }],
            window,
        );
        const v = bottleneck({ goodputPct: 61, streams: [{ endpoint: "g1", goodputPct: 61 }], cpu });
        assert.match(v.says, /dom0 \(all its vCPUs\) at 98.9% of a CPU; dom0 vCPU 0 at 100% busy \(user/);
    });
    it("without xentop: dom0's CPUs still, the per-domain part missing with why, and no domain at 0", () => {
        const f = hostCpu(dom0, parseHostSamplerOutput("xen", xenOutput(false)), window);
        assert.ok(f.machine);
        assert.deepStrictEqual(f.threads, []);
        assert.deepStrictEqual(f.missing, [
            "dom0 (xen host): xentop: not found on dom0 (Debian's xen-utils package has it), so no per-domain CPU",
        ]);
    });
    it("xentop that fails (not root, no privcmd) says what it printed", () => {
        const o = parseHostSamplerOutput("xen", ["clock 1000 500", "xentop xentop: Failed to initialize libxl", "up 500"].join("\n"));
        assert.deepStrictEqual(o.missing, ["xentop printed no frame: xentop: Failed to initialize libxl"]);
    });
});

describe("host cpu: esx", () => {
    const config = {
        host: { address: "esx1.lab", user: "root", port: 22, managementNic: "vmnic0", nics: [] },
        labPrefix: "hvnetlab",
        guest: { vcpus: 1 } as never,
    };
    const wires = [
        { guest: "g1", index: 0 },
        { guest: "g2", index: 1 },
    ] as never;
    const host = esxPlanHost(config, wires);
    /** esxtop's CSV, each line stamped as the script does: the header at 995, rows at 1000 and 1005. */
    const output = fixture("esxtop-b.csv")
        .split("\n")
        .filter(Boolean)
        .map((l, i) => `at ${995 + 5 * i} ${l}`)
        .join("\n");
    const window = { start: 1001, end: 1004 };
    it("maps the guests to their VMs and reaches the host over SSH", () => {
        assert.deepStrictEqual(host.guests, { g1: "hvnetlab-g1", g2: "hvnetlab-g2" });
        assert.strictEqual(host.access?.host, "esx1.lab");
    });
    it("gives the physical CPUs' % Util Time (no split: esxtop gives none) and each VM's Group Cpu % Used", () => {
        const f = hostCpu(host, parseHostSamplerOutput("esx", output), window);
        assert.deepStrictEqual(f.machine?.total, { busyPct: 96.45 });
        assert.deepStrictEqual(f.machine?.perCpu, { "0": { busyPct: 97.8 }, "1": { busyPct: 95.1 } });
        assert.deepStrictEqual(
            f.threads.map((t) => [t.guest, t.domain, t.cpuPct]),
            [
                ["g1", "hvnetlab-g1", 92.05],
                ["g2", "hvnetlab-g2", 90.11],
            ],
        );
        const v = bottleneck({
            goodputPct: 88,
            streams: [],
            cpu: withHostCpu(
                { machines: [], processes: [], missing: [] },
                [{ host, output: parseHostSamplerOutput("esx", output) }],
                window,
            ),
        });
        assert.match(v.says, /g1's VM at 92.1% of a CPU; g2's VM at 90.1% of a CPU; host PCPU 0 at 97.8% busy; host PCPU 1 at 95.1% busy/);
    });
    it("an ESXi host without an SSH login: the plan says why, the run's CPU says it is missing, and no figure stands for it", () => {
        const none = esxPlanHost({ ...config, host: { ...config.host, user: "" } }, wires);
        assert.strictEqual(none.access, undefined);
        assert.match(none.unreachable!, /hvnetlab:host.user is not set/);
        const cpu = withHostCpu({ machines: [], processes: [], missing: [] }, [{ host: none, error: none.unreachable }], window);
        assert.deepStrictEqual(cpu.machines, []);
        assert.deepStrictEqual(cpu.hostThreads, []);
        assert.match(cpu.missing[0], /^host \(esx host\): no CPU sample \(no SSH login for the ESXi host esx1.lab/);
    });
});

describe("host cpu: window means and host demand", () => {
    it("weights each interval by its overlap with the window, and gives nothing below half of it covered", () => {
        const points = [
            { at: 0, value: 999 },
            { at: 2, value: 10 },
            { at: 4, value: 40 },
        ];
        assert.strictEqual(windowMean(points, { start: 1, end: 4 }), 30);
        assert.strictEqual(windowMean(points, { start: 3.5, end: 10 }), undefined);
    });
    it("host service demand counts a hypervisor host's guests once: their CPU is already in the host's", () => {
        const use = (busyPct: number) => ({ busyPct });
        const cpu: RunCpuFigures = {
            machines: [
                { machine: "host", from: 0, to: 1, cpus: 2, total: use(50), perCpu: {}, role: "hypervisor", guests: ["g1"] },
                { machine: "g1", from: 0, to: 1, cpus: 1, total: use(80), perCpu: {} },
                { machine: "peer", from: 0, to: 1, cpus: 1, total: use(20), perCpu: {} },
            ],
            processes: [],
            missing: [],
        };
        // (50 x 2 + 20) % of a CPU per 100 Mb/s: 1.2 CPU-s/s over 12207 KB/s.
        assert.strictEqual(hostDemandUsPerKB(cpu, 100), 98.3);
    });
});

describe("host cpu: the plan", () => {
    it("names the kvm host with the SSH login of libvirt's qemu+ssh URI and each guest's domain", () => {
        const h = kvmPlanHost(
            {
                host: { address: "10.213.0.1", user: "root", port: 2222, managementNic: "m", nics: [] },
                labPrefix: "hvq",
                guest: { vcpus: 2 } as never,
            },
            [{ guest: "g1" }] as never,
        );
        assert.deepStrictEqual(h, {
            name: "host",
            sampler: "kvm",
            access: { kind: "ssh", host: "10.213.0.1", user: "root", port: 2222 },
            guests: { g1: "hvq-g1" },
            guestVcpus: 2,
        });
    });
    it("validatePlan holds the hosts: a known sampler, access or why not, guests that are endpoints", () => {
        const plan = testPlan(2, {});
        validatePlan({ ...plan, hosts: [{ ...kvmHost, guests: { g1: "hvq-g1" } }] });
        assert.throws(
            () => validatePlan({ ...plan, hosts: [{ name: "g1", sampler: "hyperv", guests: { nosuch: "x y" } }] }),
            (e: Error) =>
                /hosts\[0\].name 'g1' is also an endpoint's/.test(e.message) &&
                /hosts\[0\].sampler must be one of kvm, xen, esx/.test(e.message) &&
                /hosts\[0\] needs access, or unreachable/.test(e.message) &&
                /names 'nosuch', which is not an endpoint/.test(e.message) &&
                /guests.nosuch must be a domain or VM name/.test(e.message),
        );
    });
});

describe("host cpu: the runner samples the plan's hosts", () => {
    const stream = readFileSync(path.join(__dirname, "..", "..", "..", "fixtures", "tcp_stream.out"), "utf8");
    /** The recorded stream runs at epoch 1795595047-050: host readings at 1795595040 and 060 cover it. */
    const hostOutput = kvmOutput().replace("clock 1000.0 500.0", "clock 1795595040.0 500.0").replace("up 502.00", "up 520.00");
    class Fake implements Transport {
        readonly hostCalls: { endpoint: PlanEndpoint; argv: readonly string[] }[] = [];
        async clock(): Promise<ClockReading> {
            return { offsetMs: 0, rttMs: 0.4 };
        }
        async run(endpoint: PlanEndpoint, argv: readonly string[], _options: RunOptions): Promise<ProcessResult> {
            const out = (stdout: string) => ({ code: 0, signal: null, stdout, stderr: "", startedAtMs: Date.now() });
            if (argv[3] === "hvnetlab-facts") return out(factsFor(argv));
            if (argv[3] === "hvnetlab-host-cpu") {
                this.hostCalls.push({ endpoint, argv });
                return out(hostOutput);
            }
            if (argv[3] === "hvnetlab-cpu") return out("");
            return out(stream);
        }
    }
    const plan = { ...testPlan(2, { guestCounts: [2] }), hosts: [kvmHost] };

    it("runs the host's sampler over its SSH access and puts the host's CPU and the guests' QEMU threads in the run", async () => {
        const t = new Fake();
        const doc = await runPlan(plan, { transport: t });
        assert.deepStrictEqual(t.hostCalls[0].endpoint.access, kvmHost.access);
        assert.deepStrictEqual(t.hostCalls[0].argv.slice(-2), ["hvq-g1", "hvq-g2"]);
        const cpu = doc.runs[0].cpu!;
        assert.deepStrictEqual(
            cpu.machines.filter((m) => m.role === "hypervisor").map((m) => m.machine),
            ["host"],
        );
        assert.deepStrictEqual(
            cpu.hostThreads!.filter((x) => x.thread !== "QEMU").map((x) => x.label),
            ["g1's vCPU 0 thread (QEMU)", "g2's vCPU 0 thread (QEMU)", "g2's vhost thread"],
        );
    });
    it("an unreachable host: the run measures, and its CPU says what is missing and why", async () => {
        const t = new Fake();
        const doc = await runPlan(
            { ...plan, hosts: [{ ...kvmHost, access: undefined, unreachable: "no SSH login for the host" }] },
            { transport: t },
        );
        assert.strictEqual(doc.runs[0].status, "ok");
        assert.strictEqual(t.hostCalls.length, 0);
        assert.ok(
            doc.runs[0].cpu!.missing.includes("host (kvm host): no CPU sample (no SSH login for the host)"),
            doc.runs[0].cpu!.missing.join("\n"),
        );
    });
    it("with the samplers turned off (npm run bench's comparison), no sampler runs and the run says so", async () => {
        const t = new Fake();
        const doc = await runPlan(plan, { transport: t, cpuSamplers: false });
        assert.strictEqual(t.hostCalls.length, 0);
        assert.deepStrictEqual(doc.runs[0].cpu!.machines, []);
        assert.deepStrictEqual(doc.runs[0].cpu!.missing, ["every machine: no CPU sample (CPU sampling was turned off for this run)"]);
    });
});

describe("host cpu: lab:qemu's check", () => {
    const base = { id: "send-2g", status: "ok", streams: [{ endpoint: "g1" }, { endpoint: "g2" }] } as unknown as RunResult;
    const host = { machine: "host", role: "hypervisor", from: 0, to: 1, cpus: 2, total: { busyPct: 50 }, perCpu: {} } as const;
    const vcpu = (guest: string) => ({
        machine: "host",
        guest,
        domain: `hvq-${guest}`,
        thread: "vCPU 0",
        label: `${guest}'s vCPU 0 thread (QEMU)`,
        cpuPct: 50,
        cpus: 1,
    });
    it("passes a run with the KVM host's CPU and every guest's vCPU thread", () => {
        assert.deepStrictEqual(
            kvmHostCpuProblems([{ ...base, cpu: { machines: [host], processes: [], hostThreads: [vcpu("g1"), vcpu("g2")], missing: [] } }]),
            [],
        );
    });
    it("names a run without the host's CPU, and a guest without its vCPU thread", () => {
        assert.deepStrictEqual(
            kvmHostCpuProblems([
                {
                    ...base,
                    cpu: { machines: [], processes: [], hostThreads: [vcpu("g1")], missing: ["host (kvm host): no CPU sample (refused)"] },
                },
            ]),
            [
                "run send-2g has no KVM host CPU figures (missing: host (kvm host): no CPU sample (refused))",
                "run send-2g has no QEMU vCPU thread of g2 on the host (no thread)",
            ],
        );
    });
});
