// Host facts: what every endpoint of a run is (kernel, CPU, hypervisor, and for each dedicated NIC
// its name, driver, link speed and MTU), read on the endpoint by one fixed script and parsed here.
import type { EthtoolOutput, EthtoolQuery } from "./ethtool";
import { nicSettings } from "./ethtool";
import type { HostFacts, NicFacts } from "../../model";

/** A shell command printing the name of the NIC that holds an IPv4 address (a quoted shell word). */
export function nicHoldingAddress(address: string): string {
    return `ip -o -4 addr show | awk -v a=${address} '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }'`;
}

/**
 * Prints key=value lines. Arguments name the NICs to describe: "addr:A.B.C.D" (the NIC holding
 * that address, as on guests whose NIC names the lab does not choose) or "nic:NAME". After each
 * found NIC's `nic=` line, every line that `ethtool -k`, `-l` and `-g` print for it (stdout and
 * stderr) as `ethtool-<query>=<n>|<exit status>|<line>`, n counting the `nic=` lines from 1; or
 * `ethtool-missing=<n>` where ethtool is not installed (looked for on the PATH and in the sbin
 * folders, which a user's PATH over SSH may lack).
 */
export const FACTS_SCRIPT = [
    `echo "kernel=$(uname -r)"`,
    `echo "cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"`,
    `echo "virt=$(systemd-detect-virt 2>/dev/null || echo unknown)"`,
    `hv=""`,
    `if [ -r /sys/hypervisor/type ]; then hv="$(cat /sys/hypervisor/type) $(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)$(cat /sys/hypervisor/version/extra 2>/dev/null)"; fi`,
    `if [ -z "$hv" ] && command -v xl >/dev/null 2>&1; then hv="xen $(xl info 2>/dev/null | sed -n 's/^xen_version[[:space:]]*:[[:space:]]*//p')"; fi`,
    `if [ -z "$hv" ] && command -v qemu-system-x86_64 >/dev/null 2>&1; then hv="$(qemu-system-x86_64 --version | head -n 1)"; fi`,
    `if [ -z "$hv" ] && [ -r /sys/class/dmi/id/product_name ]; then hv="$(cat /sys/class/dmi/id/sys_vendor 2>/dev/null) $(cat /sys/class/dmi/id/product_name)"; fi`,
    `echo "hypervisor=$hv"`,
    // A Xen guest's kernel says how Xen runs it: PV, HVM or PVH (Linux's /sys/hypervisor/guest_type).
    `echo "guestType=$(cat /sys/hypervisor/guest_type 2>/dev/null)"`,
    // A user's PATH may lack the sbin folders, where Debian installs ethtool (/usr/sbin/ethtool).
    `et=$(PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; command -v ethtool 2>/dev/null)`,
    `n=0`,
    `for spec in "$@"; do`,
    `  case "$spec" in`,
    `    addr:*) a=\${spec#addr:}; nic=$(${nicHoldingAddress('"$a"')}) ;;`,
    `    nic:*) nic=\${spec#nic:}; a=$(ip -o -4 addr show dev "$nic" 2>/dev/null | awk '{ split($4, p, "/"); print p[1]; exit }') ;;`,
    `    *) continue ;;`,
    `  esac`,
    `  n=$((n + 1))`,
    `  [ -n "$nic" ] || { echo "nic=$a||missing|"; continue; }`,
    `  driver=$([ -z "$et" ] || "$et" -i "$nic" 2>/dev/null | sed -n 's/^driver: //p')`,
    `  [ -n "$driver" ] || driver=$(basename "$(readlink /sys/class/net/$nic/device/driver 2>/dev/null)" 2>/dev/null)`,
    `  speed=$([ -z "$et" ] || "$et" "$nic" 2>/dev/null | sed -n 's/^[[:space:]]*Speed: \\([0-9]*\\)Mb\\/s/\\1/p')`,
    `  [ -n "$speed" ] || speed=$(cat /sys/class/net/$nic/speed 2>/dev/null)`,
    `  echo "nic=$a|$nic|\${driver:-unknown}|$speed|$(cat /sys/class/net/$nic/mtu 2>/dev/null)"`,
    `  if [ -n "$et" ]; then`,
    `    for q in k l g; do`,
    `      out=$("$et" -$q "$nic" 2>&1); rc=$?`,
    `      printf '%s\\n' "$out" | sed "s/^/ethtool-$q=$n|$rc|/"`,
    `    done`,
    `  else`,
    `    echo "ethtool-missing=$n"`,
    `  fi`,
    `done`,
].join("\n");

/** The argument vector that prints an endpoint's facts; NICs as "addr:A.B.C.D" or "nic:NAME". */
export function factsArgs(nics: readonly string[]): string[] {
    return ["sh", "-c", FACTS_SCRIPT, "hvnetlab-facts", ...nics];
}

export function parseFacts(stdout: string): HostFacts {
    const values = new Map<string, string>();
    const nics: NicFacts[] = [];
    // ethtool's lines per NIC (the n of the facts script, from 1) and query; NICs without ethtool.
    const ethtool = new Map<number, Partial<Record<EthtoolQuery, { code: number; lines: string[] }>>>();
    const noEthtool = new Set<number>();
    for (const line of stdout.split(/\r?\n/)) {
        const at = line.indexOf("=");
        if (at <= 0) continue;
        const key = line.slice(0, at);
        const raw = line.slice(at + 1);
        const value = raw.trim();
        const query = /^ethtool-([klg])$/.exec(key);
        if (query) {
            const m = /^(\d+)\|(\d+)\|(.*)$/.exec(raw);
            if (!m) continue;
            const byQuery = ethtool.get(Number(m[1])) ?? {};
            const q = query[1] as EthtoolQuery;
            const out = byQuery[q] ?? { code: Number(m[2]), lines: [] };
            out.lines.push(m[3]);
            byQuery[q] = out;
            ethtool.set(Number(m[1]), byQuery);
        } else if (key === "ethtool-missing") {
            noEthtool.add(Number(value));
        } else if (key === "nic") {
            const [address, name, driver, speed, mtu] = value.split("|");
            const mbps = Number(speed);
            const bytes = Number(mtu);
            nics.push({
                address,
                name: name || "missing",
                driver: driver || "unknown",
                ...(speed && Number.isFinite(mbps) && mbps > 0 ? { speedMbps: mbps } : {}),
                ...(mtu && Number.isInteger(bytes) && bytes > 0 ? { mtu: bytes } : {}),
            });
        } else {
            values.set(key, value);
        }
    }
    return {
        kernel: values.get("kernel") || "unknown",
        cpuModel: values.get("cpu") || "unknown",
        virtualization: values.get("virt") || "unknown",
        hypervisor: values.get("hypervisor") || "",
        ...(values.get("guestType") ? { guestType: values.get("guestType") } : {}),
        nics: nics.map((nic, i) => withSettings(nic, ethtool.get(i + 1), noEthtool.has(i + 1))),
    };
}

/** A found NIC with its ethtool settings; a NIC from a facts script that ran no ethtool (older) stays as it was. */
function withSettings(nic: NicFacts, outputs: Partial<Record<EthtoolQuery, EthtoolOutput>> | undefined, missing: boolean): NicFacts {
    if (nic.name === "missing" || (!outputs && !missing)) return nic;
    return {
        ...nic,
        ...nicSettings(nic, outputs ?? {}, missing ? "ethtool is not installed on this machine: install it (Debian: ethtool)" : undefined),
    };
}
