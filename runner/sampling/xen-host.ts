// Xen's dom0 sampler: its script, argument vector, parser and figures over a run's window.
//
// It reads dom0's /proc/stat (its vCPUs), and `xentop -b -d <delay> -i <iterations>` (xentop(1)):
// per frame each domain's CPU(%), the share of one physical CPU over the last delay. Pure.
import { parseXentop } from "./cpu-accounting";
import type { GuestDomain, HostSampler, HostSamplerOutput, TimeWindow } from "./host-sampler-interface";
import { hostScriptArgv, hostThreadLabel, round2, windowMean } from "./host-sampler-interface";
import { LINUX_LOOP_END, LINUX_PRELUDE, LINUX_READING, parseLinuxHostOutput, procStatMachine } from "./linux-host";
import type { LinuxHostLine } from "./linux-host";
import type { HostThreadFigures, PlanHost } from "../../model";

/**
 * Xen's dom0 sampler: dom0's /proc/stat every $2 seconds until epoch $1, and beside it
 * `xentop -b -d $3 -i N` (N frames to cover the run), each of its lines printed as `xentop LINE`
 * and each frame's header preceded by `xframe UPTIME` (when it was printed). Without xentop it
 * prints `missing xentop: ...`.
 */
export const XEN_HOST_SCRIPT = [
    `xd=$3; set -- "$1" "$2"`,
    ...LINUX_PRELUDE,
    `n=$(( (end - \${u0%.*}) / xd + 2 ))`,
    `if command -v xentop >/dev/null 2>&1; then`,
    `  xentop -b -d "$xd" -i "$n" 2>&1 | while IFS= read -r l; do`,
    `    case $l in *NAME*STATE*CPU*) read -r xu _ < /proc/uptime; echo "xframe $xu" ;; esac`,
    `    echo "xentop $l"`,
    `  done &`,
    `else`,
    `  echo "missing xentop: not found on dom0 (Debian's xen-utils package has it), so no per-domain CPU"`,
    `fi`,
    `while :; do`,
    ...LINUX_READING,
    ...LINUX_LOOP_END,
    `wait`,
].join("\n");

/** dom0's sampler: dom0's /proc/stat (its vCPUs) and each domain's CPU(%) from xentop. */
export const xenHostSampler: HostSampler = {
    kind: "xen",
    // xentop's delay is whole seconds, at least 1.
    args: (_host, untilEpochSeconds, intervalSeconds) =>
        hostScriptArgv(XEN_HOST_SCRIPT, untilEpochSeconds, String(intervalSeconds), String(Math.max(1, Math.round(intervalSeconds)))),
    parse: (stdout, offsetMs) => {
        const linux = parseLinuxHostOutput(stdout, offsetMs);
        const { frames, missing } = xentopFrames(linux.lines);
        return { stats: linux.stats, threads: [], xentop: frames, esxtop: [], missing: [...linux.missing, ...missing] };
    },
    figures: (host, output, window, guests, where) => {
        const { machine, missing } = procStatMachine(host, output, window, where, "vCPU");
        const domains = domainCpu(host, output, window, guests, where);
        return { ...(machine ? { machine } : {}), threads: domains.threads, missing: [...missing, ...domains.missing] };
    },
};

/**
 * xentop's frames from the `xframe UPTIME` and `xentop LINE` lines, each at the time it was printed
 * (runner's clock). A frame that does not parse goes to `missing` with the parser's reason; when no
 * frame came but xentop printed something, its first words say why (not root, no privcmd).
 */
function xentopFrames(lines: readonly LinuxHostLine[]): { frames: HostSamplerOutput["xentop"]; missing: string[] } {
    const frames: HostSamplerOutput["xentop"] = [];
    const missing: string[] = [];
    const xentopSaid: string[] = [];
    let frame: { at: number; text: string[] } | undefined;
    const flushFrame = () => {
        if (!frame) return;
        try {
            frames.push({ at: frame.at, domains: parseXentop(frame.text.join("\n"))[0] });
        } catch (err) {
            missing.push(`xentop: ${(err as Error).message}`);
        }
        frame = undefined;
    };
    for (const { text, onRunner } of lines) {
        let m: RegExpExecArray | null;
        if ((m = /^xframe (\d+(?:\.\d+)?)$/.exec(text)) && onRunner) {
            flushFrame();
            frame = { at: onRunner(Number(m[1])), text: [] };
        } else if ((m = /^xentop (.*)$/.exec(text))) {
            if (frame) frame.text.push(m[1]);
            else if (m[1].trim() !== "") xentopSaid.push(m[1].trim());
        }
    }
    flushFrame();
    if (frames.length === 0 && xentopSaid.length > 0) missing.push(`xentop printed no frame: ${xentopSaid[0]}`);
    return { frames, missing };
}

/**
 * Domain-0's and each guest's domain CPU(%) over the window (the mean of xentop's frames,
 * windowMean), in % of one CPU, with the domain's vCPUs as the CPUs it can use. What is missing
 * says why: xentop printed nothing (unless the sampler said why), or a domain's frames do not
 * cover the window.
 */
function domainCpu(
    host: PlanHost,
    output: HostSamplerOutput,
    window: TimeWindow,
    guests: readonly GuestDomain[],
    where: string,
): { threads: HostThreadFigures[]; missing: string[] } {
    const threads: HostThreadFigures[] = [];
    const missing: string[] = [];
    if (output.xentop.length === 0) {
        if (!output.missing.some((m) => m.startsWith("xentop"))) missing.push(`${where}: xentop printed nothing`);
        return { threads, missing };
    }
    const names = new Map<string, string>([["Domain-0", "dom0"], ...guests.map((g): [string, string] => [g.domain, g.guest])]);
    for (const [domain, guest] of names) {
        const points = output.xentop.flatMap((f) =>
            f.domains.filter((x) => x.name === domain).map((x) => ({ at: f.at, value: x.cpuPct, vcpus: x.vcpus })),
        );
        const mean = windowMean(points, window);
        if (mean === undefined) {
            missing.push(`${where}: xentop's frames of domain ${domain} do not cover the window (${points.length} frames)`);
            continue;
        }
        const vcpus = points[points.length - 1].vcpus || host.guestVcpus || 1;
        threads.push({
            machine: host.name,
            guest,
            domain,
            thread: "domain",
            label: hostThreadLabel(guest, "domain"),
            cpuPct: round2(mean),
            cpus: vcpus,
        });
    }
    return { threads, missing };
}
