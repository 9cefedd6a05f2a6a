// The ESXi host's sampler: its script, argument vector, parser and figures over a run's window.
//
// It reads `esxtop -b -d <delay> -n <iterations>` (VMware's esxtop batch mode; -d at least 2 s): per
// row Physical Cpu(N) "% Util Time" and each VM's Group Cpu(<id>:<VM>) "% Used". Untested against a
// real ESXi host (none here): written to esxtop's documented CSV format. Pure.
import type { EsxtopSample } from "./cpu-accounting";
import { parseEsxtop } from "./cpu-accounting";
import type { GuestDomain, HostSampler, HostSamplerOutput, TimeWindow } from "./host-sampler-interface";
import { hostScriptArgv, hostThreadLabel, hypervisorMachine, round2, windowMean } from "./host-sampler-interface";
import type { HostThreadFigures, MachineCpuFigures, PlanHost } from "../../model";

/**
 * The ESXi host's sampler (busybox sh): `esxtop -b -d $2 -n N` until epoch $1, each line printed
 * as `at EPOCH LINE` (the host's clock when the line came; a row's values are over the delay
 * before it). Without esxtop it prints `missing esxtop: ...`.
 */
export const ESX_HOST_SCRIPT = [
    `until=$1; iv=$2`,
    `now=$(date +%s)`,
    `if ! command -v esxtop >/dev/null 2>&1; then echo "missing esxtop: not found on the host (is it an ESXi shell?)"; exit 0; fi`,
    `esxtop -b -d "$iv" -n $(( (until - now) / iv + 2 )) 2>&1 | while IFS= read -r l; do echo "at $(date +%s) $l"; done`,
].join("\n");

/** The ESXi host's sampler: its physical CPUs and each guest's VM from esxtop. */
export const esxHostSampler: HostSampler = {
    kind: "esx",
    // esxtop's delay is at least 2 s.
    args: (_host, untilEpochSeconds, intervalSeconds) =>
        hostScriptArgv(ESX_HOST_SCRIPT, untilEpochSeconds, String(Math.max(2, Math.round(intervalSeconds)))),
    parse: (stdout, offsetMs) => {
        const lines = stdout.split(/\r?\n/);
        const missing: string[] = [];
        const stamped = lines.flatMap((l) => {
            const m = /^at (\d+) (.*)$/.exec(l);
            return m && m[2].trim() !== "" ? [{ at: Number(m[1]) - offsetMs / 1000, line: m[2] }] : [];
        });
        for (const l of lines) {
            const m = /^missing (.+)$/.exec(l);
            if (m) missing.push(m[1]);
        }
        const esxtop: HostSamplerOutput["esxtop"] = [];
        if (stamped.length > 0) {
            try {
                // The first stamped line is the CSV's header: each row is at the time of its own line.
                const rows = parseEsxtop(stamped.map((s) => s.line).join("\n"));
                rows.forEach((sample, i) => esxtop.push({ at: stamped[i + 1].at, sample }));
            } catch (err) {
                missing.push(`esxtop: ${(err as Error).message}`);
            }
        }
        return { stats: [], threads: [], xentop: [], esxtop, missing };
    },
    figures: (host, output, window, guests, where) => {
        if (output.esxtop.length === 0) {
            const said = output.missing.some((m) => m.startsWith("esxtop"));
            return { threads: [], missing: said ? [] : [`${where}: esxtop printed no sample`] };
        }
        const { machine, missing } = physicalCpus(host, output.esxtop, window, where);
        const vms = vmCpu(host, output.esxtop, window, guests, where);
        return { ...(machine ? { machine } : {}), threads: vms.threads, missing: [...missing, ...vms.missing] };
    },
};

type EsxtopRows = HostSamplerOutput["esxtop"];

/** One esxtop counter as a series of interval figures (the rows that have it). */
function series(rows: EsxtopRows, pick: (s: EsxtopSample) => number | undefined): { at: number; value: number }[] {
    return rows.flatMap((r) => {
        const v = pick(r.sample);
        return v === undefined ? [] : [{ at: r.at, value: v }];
    });
}

/**
 * The host's physical CPUs over the window: Physical Cpu(_Total) and each Physical Cpu(N) "% Util
 * Time" (busy only: esxtop gives no split), their CPUs named PCPU; or why not.
 */
function physicalCpus(
    host: PlanHost,
    rows: EsxtopRows,
    window: TimeWindow,
    where: string,
): { machine?: MachineCpuFigures; missing: string[] } {
    const total = windowMean(
        series(rows, (s) => s.totalUtilPct),
        window,
    );
    const cpuIds = [...new Set(rows.flatMap((r) => Object.keys(r.sample.perCpuUtilPct)))];
    const perCpu = Object.fromEntries(
        cpuIds.flatMap((id) => {
            const v = windowMean(
                series(rows, (s) => s.perCpuUtilPct[id]),
                window,
            );
            return v === undefined ? [] : [[id, { busyPct: round2(v) }]];
        }),
    );
    if (total === undefined)
        return { missing: [`${where}: esxtop's Physical Cpu(_Total) rows do not cover the window (${rows.length} rows)`] };
    const sorted = [...rows].sort((a, b) => a.at - b.at);
    const use = { from: sorted[0].at, to: sorted[sorted.length - 1].at, cpus: cpuIds.length, total: { busyPct: round2(total) }, perCpu };
    return { machine: hypervisorMachine(host, use, "PCPU"), missing: [] };
}

/** Each guest's VM over the window: its Group Cpu "% Used", in % of one CPU, with the guest's vCPUs as its CPUs; or why not. */
function vmCpu(
    host: PlanHost,
    rows: EsxtopRows,
    window: TimeWindow,
    guests: readonly GuestDomain[],
    where: string,
): { threads: HostThreadFigures[]; missing: string[] } {
    const threads: HostThreadFigures[] = [];
    const missing: string[] = [];
    for (const { guest, domain } of guests) {
        const v = windowMean(
            series(rows, (s) => s.groupUsedPct[domain]),
            window,
        );
        if (v === undefined) {
            missing.push(`${where}: esxtop has no Group Cpu "% Used" of VM ${domain} over the window`);
            continue;
        }
        threads.push({
            machine: host.name,
            guest,
            domain,
            thread: "VM",
            label: hostThreadLabel(guest, "VM"),
            cpuPct: round2(v),
            cpus: host.guestVcpus ?? 1,
        });
    }
    return { threads, missing };
}
