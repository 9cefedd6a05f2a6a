// netperf on the lab: the installed version checked on every endpoint that receives, netserver
// started there on the configured port and checked listening; stopped on delete.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { PlanEndpoint } from "../model";
import type { Connection } from "./platforms";
import { AS_ROOT, checked, exitWithError, SAFE, script, shellQuote } from "./scripts";

/** Prints the installed netperf version, or fails with how to install the wanted one. */
export function netperfVersionCheck(version: string): string[] {
    const want = shellQuote(version, SAFE.version);
    return [
        `command -v netperf >/dev/null && command -v netserver >/dev/null || ${exitWithError("netperf not found: enable Debian's non-free component and apt-get install -y netperf (see README)")}`,
        `v=$(netperf -V 2>&1 | sed -n 's/.*[Vv]ersion \\([0-9.]*\\).*/\\1/p')`,
        `[ "$v" = ${want} ] || ${exitWithError(`netperf $v is installed but hvnetlab:netperfVersion is ${version}: install ${version} or change the key`)}`,
    ];
}

/**
 * Scripts that start and stop netserver inside a network namespace. The netserver's pid is kept
 * in /run, so that delete stops it even when the namespace's name is gone (a netserver keeps an
 * unnamed namespace, its NICs and its port alive).
 */
export function netserverScripts(namespace: string, port: number, version: string): { create: string; delete: string } {
    const ns = shellQuote(namespace, SAFE.name);
    const p = shellQuote(port, SAFE.uint);
    const pidFile = shellQuote(`/run/hvnetlab-${checked(namespace, SAFE.name)}.netserver.pid`, SAFE.path);
    const listening = `[ -n "$(ip netns exec ${ns} ss -Hltn "sport = :$port")" ]`;
    const stop = `for pid in $(ip netns pids ${ns} 2>/dev/null); do [ "$(cat /proc/$pid/comm 2>/dev/null)" = netserver ] && kill "$pid"; done`;
    return {
        create: script(
            ...netperfVersionCheck(version),
            `port=${p}`,
            `! ${listening} || ${exitWithError(`port $port is already in use in namespace ${namespace}: choose another hvnetlab:netserverPort`)}`,
            `ip netns exec ${ns} netserver -p "$port" >/dev/null || ${exitWithError(`netserver failed to start in namespace ${namespace}`)}`,
            `tries=0`,
            `until ${listening}; do`,
            `  tries=$((tries + 1))`,
            `  [ "$tries" -lt 50 ] || { ${stop}; ${exitWithError(`netserver does not listen on port $port in namespace ${namespace} after 5 s`)}; }`,
            `  sleep 0.1`,
            `done`,
            `for pid in $(ip netns pids ${ns}); do [ "$(cat /proc/$pid/comm 2>/dev/null)" = netserver ] && echo "$pid"; done > ${pidFile}`,
            `echo "$v"`,
        ),
        delete: script(
            `[ ! -e /run/netns/${ns} ] || { ${stop}; }`,
            `if [ -f ${pidFile} ]; then for pid in $(cat ${pidFile}); do [ "$(cat /proc/$pid/comm 2>/dev/null)" = netserver ] && kill "$pid"; done; rm -f ${pidFile}; fi`,
            "true",
        ),
    };
}

/** Debian's apt sources in deb822 form and in the classic one. */
export const APT_SOURCES = { deb822: "/etc/apt/sources.list.d/debian.sources", classic: "/etc/apt/sources.list" };

/**
 * Adds Debian's non-free component (where netperf lives) to the apt sources where it is missing
 * (non-free-firmware, the installer's default, is another component), then refreshes the lists.
 */
export function enableNonFreeScript(sources: { deb822: string; classic: string } = APT_SOURCES): string {
    const d = shellQuote(sources.deb822, SAFE.path);
    const c = shellQuote(sources.classic, SAFE.path);
    return script(
        `changed=`,
        `if [ -f ${d} ] && ! grep -Eq '^Components:.*[[:space:]]non-free([[:space:]]|$)' ${d}; then run sed -i -E 's/^Components: main.*/& non-free/' ${d} && changed=1; fi`,
        `if [ -f ${c} ] && grep -Eq '^deb .*debian.* main' ${c} && ! grep -Eq '^deb .*[[:space:]]non-free([[:space:]]|$)' ${c}; then run sed -i -E '/^deb .*debian/ s/ main/ main non-free/' ${c} && changed=1; fi`,
        `[ -z "$changed" ] || { echo "enabled Debian's non-free component for netperf" >&2; run env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2; }`,
    );
}

/**
 * Installs netperf at the wanted version on a real machine: keeps a matching installed one, else
 * takes the distribution's package when its candidate is that version (on Debian, enabling the
 * non-free component first), else builds the release tarball (checksum required) with demo mode.
 * First it waits for cloud-init (a new guest's own apt run holds the package lock), and installs
 * iproute2 (ss) and ethtool where they are missing and apt-get is there: only a machine that lacks
 * them needs a mirror. Prints the installed version.
 */
export function netperfInstallScript(
    label: string,
    version: string,
    source: { url: string; sha256: string },
    aptSources = APT_SOURCES,
): string {
    const want = shellQuote(version, SAFE.version);
    const url = shellQuote(source.url, SAFE.url);
    const installed = `have() { command -v netperf >/dev/null 2>&1 && netperf -V 2>&1 | sed -n 's/.*[Vv]ersion \\([0-9.]*\\).*/\\1/p'; }`;
    const aptInstall = (pkgs: string, what: string) =>
        `run env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends ${pkgs} >&2 || ${exitWithError(`apt-get install ${what} failed on ${label}`)}`;
    return script(
        AS_ROOT,
        installed,
        `want=${want}`,
        `if command -v cloud-init >/dev/null 2>&1; then run cloud-init status --wait >/dev/null 2>&1 || true; fi`,
        // The tools the lab runs beside netperf: ss (the netserver's checks) and ethtool (the NIC facts).
        // A user's PATH may lack the sbin folders (Debian's ethtool is /usr/sbin/ethtool): look there too.
        `found() { (PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; command -v "$1" >/dev/null 2>&1); }`,
        `tools=; found ss || tools=" iproute2"; found ethtool || tools="$tools ethtool"`,
        `if [ -n "$tools" ] && command -v apt-get >/dev/null 2>&1; then run env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2; ${aptInstall("$tools", "of$tools")}; fi`,
        `v=$(have)`,
        `if [ "$v" != "$want" ] && command -v apt-get >/dev/null 2>&1; then`,
        `  cand=$(apt-cache policy netperf 2>/dev/null | sed -n 's/^ *Candidate: //p')`,
        `  case "$cand" in ''|'(none)') ${enableNonFreeScript(aptSources).split("\n").join("; ")}; cand=$(apt-cache policy netperf 2>/dev/null | sed -n 's/^ *Candidate: //p') ;; esac`,
        `  case "$cand" in "$want"|"$want"-*|"$want"+*) ${aptInstall("netperf", "netperf")} ;; esac`,
        `  v=$(have)`,
        `fi`,
        `if [ "$v" != "$want" ]; then`,
        source.sha256 === ""
            ? `  ${exitWithError(`netperf ${version} is not packaged on ${label} (Debian: enable the non-free component) and hvnetlab:netperfSourceSha256 is not set: set it to the sha256sum of ${source.url} to build it from source`)}`
            : `  sha=${shellQuote(source.sha256, /^[0-9a-f]{64}$/)}`,
        `  missing=; for tool in curl tar make cc sha256sum; do command -v "$tool" >/dev/null || missing=1; done`,
        `  if [ -n "$missing" ] && command -v apt-get >/dev/null 2>&1; then ${aptInstall("build-essential curl ca-certificates", "of the build tools")}; fi`,
        `  for tool in curl tar make cc sha256sum; do command -v "$tool" >/dev/null || ${exitWithError(`$tool is needed on ${label} to build netperf ${version} from source: install it`)}; done`,
        `  d=$(mktemp -d) && trap 'rm -rf "$d"' EXIT`,
        `  curl -fsSL ${url} -o "$d/netperf.tar.gz" || ${exitWithError(`cannot download ${source.url} on ${label}`)}`,
        `  echo "$sha  $d/netperf.tar.gz" | sha256sum -c - >/dev/null 2>&1 || ${exitWithError(`the netperf tarball downloaded on ${label} does not match hvnetlab:netperfSourceSha256`)}`,
        `  tar -xzf "$d/netperf.tar.gz" -C "$d" --strip-components=1 || exit 1`,
        // netperf 2.7.0 defines loc_nodelay twice: GCC 10 and later refuse to link it without -fcommon.
        `  (cd "$d" && ./configure --enable-demo --prefix=/usr/local CFLAGS="-O2 -fcommon" && make) >&2 || ${exitWithError(`building netperf ${version} failed on ${label}`)}`,
        `  (cd "$d" && run make install) >&2 || exit 1`,
        `  v=$(have)`,
        `fi`,
        `[ "$v" = "$want" ] || ${exitWithError(`netperf $v is installed on ${label} but hvnetlab:netperfVersion is ${version}: remove it or change the key`)}`,
        `echo "$v"`,
    );
}

/** Where the netserver scripts look for systemd; a test without systemd points them elsewhere. */
export interface SystemdPaths {
    /** A folder that exists while systemd runs as the init system (what sd_booted(3) checks). */
    readonly runtimeDir: string;
    /** Where a unit file of the system manager goes. */
    readonly unitDir: string;
    /** PID 1's network namespace: systemd starts every unit in it, whatever namespace asked. */
    readonly initNetns: string;
}

export const SYSTEMD_PATHS: SystemdPaths = {
    runtimeDir: "/run/systemd/system",
    unitDir: "/etc/systemd/system",
    initNetns: "/proc/1/ns/net",
};

/**
 * Runs netserver on a real machine, after checking the port is free, and waits until it listens.
 * How it starts is decided on the machine and printed on the last line of stdout:
 *   - `systemd unit <name>` where systemd runs and the shell is in PID 1's network namespace (a
 *     server reached on its own address): the unit survives the SSH session and a reboot;
 *   - `plain process <pid> (<why>)` where systemd does not run, or where the shell is in another
 *     network namespace than PID 1 (sshd in a namespace, as lab:native's stand-in host): systemd
 *     would start the unit in PID 1's namespace, where the wires and their addresses are not.
 * Delete stops it the way it was started. Each systemd reload costs seconds on a small guest (10 s
 * in lab:xen's PV guests): the lab's unit is started by enable --now and stopped by disable --now,
 * one reload each. Debian's netperf.service is a SysV script's unit, which --now does not reach
 * (systemd-sysv-install reports no unit changed): it is stopped and started by name.
 */
export function netserverServiceScripts(
    label: string,
    labPrefix: string,
    endpoint: string,
    port: number,
    paths: SystemdPaths = SYSTEMD_PATHS,
): { create: string; delete: string } {
    const p = shellQuote(port, SAFE.uint);
    // The lab's prefix in the name: two labs on one machine never stop each other's netserver.
    const unitName = `${checked(labPrefix, SAFE.name)}-netserver-${checked(endpoint, SAFE.name)}-${checked(port, SAFE.uint)}`;
    const unit = shellQuote(`${paths.unitDir}/${unitName}.service`, SAFE.path);
    const pidFile = `/run/${unitName}.pid`;
    const owner = `run ss -Hltnp "sport = :$port" | sed -n 's/.*users:(("\\([^"]*\\)".*/\\1/p' | head -n 1`;
    const runtimeDir = shellQuote(paths.runtimeDir, SAFE.path);
    const initNetns = shellQuote(paths.initNetns, SAFE.path);
    // Debian's netperf package runs its own netserver on the default port at boot: the lab stops
    // it while the lab stands (the marker says so) and starts it again on delete.
    const distroMarker = `/var/lib/${unitName}.stopped-distro-netserver`;
    const distro = `[ "$how" = systemd ] && run systemctl is-active --quiet netperf.service`;
    return {
        create: script(
            AS_ROOT,
            `port=${p}`,
            `how=process; why="systemd does not run on ${label}"`,
            `if [ -d ${runtimeDir} ] && command -v systemctl >/dev/null 2>&1; then`,
            `  init=$(run readlink ${initNetns} 2>/dev/null)`,
            `  if [ -z "$init" ]; then why="PID 1's network namespace cannot be read on ${label}, so a unit might not run where the wires are"`,
            `  elif [ "$init" = "$(readlink /proc/self/ns/net)" ]; then how=systemd`,
            `  else why="the SSH session on ${label} is in another network namespace than PID 1, where systemd starts units"; fi`,
            `fi`,
            `o=$(${owner})`,
            `if [ "$o" = netserver ] && ${distro}; then`,
            `  run systemctl stop netperf.service && run systemctl disable netperf.service >/dev/null 2>&1; run touch ${distroMarker}`,
            `  echo "stopped the distribution's netserver on port $port while the lab stands" >&2; sleep 0.5; o=$(${owner})`,
            `fi`,
            `[ -z "$o" ] || ${exitWithError(`port $port is already in use on ${label} by $o: choose another hvnetlab:netserverPort or stop it`)}`,
            `if [ "$how" = systemd ]; then`,
            `  printf '[Unit]\\nDescription=netserver for hvnetlab on port %s\\nAfter=network-online.target\\n[Service]\\nExecStart=%s -D -p %s\\nRestart=on-failure\\n[Install]\\nWantedBy=multi-user.target\\n' "$port" "$(command -v netserver)" "$port" | run tee ${unit} >/dev/null`,
            `  run systemctl enable --now ${unitName}.service >&2 || ${exitWithError(`systemd cannot start netserver on ${label}`)}`,
            `else`,
            `  run netserver -p "$port" </dev/null >/dev/null 2>&1 || ${exitWithError(`netserver failed to start on ${label}`)}`,
            `fi`,
            `tries=0`,
            `until [ "$(${owner})" = netserver ]; do`,
            `  tries=$((tries + 1))`,
            `  [ "$tries" -lt 50 ] || ${exitWithError(`netserver does not listen on port $port on ${label} after 5 s (started as: $how)`)}`,
            `  sleep 0.1`,
            `done`,
            `if [ "$how" = systemd ]; then echo "systemd unit ${unitName}"; else`,
            `  pid=$(run ss -Hltnp "sport = :$port" | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -n 1)`,
            `  echo "$pid" | run tee ${pidFile} >/dev/null`,
            `  echo "plain process $pid ($why)"`,
            `fi`,
        ),
        delete: script(
            AS_ROOT,
            `if [ -e ${unit} ]; then run systemctl disable --now --no-reload ${unitName}.service >/dev/null 2>&1; run rm -f ${unit}; run systemctl daemon-reload; fi`,
            `if [ -e ${pidFile} ]; then pid=$(cat ${pidFile}); [ "$(cat /proc/$pid/comm 2>/dev/null)" = netserver ] && run kill "$pid"; run rm -f ${pidFile}; fi`,
            `if [ -e ${distroMarker} ]; then run systemctl enable netperf.service >/dev/null 2>&1; run systemctl start netperf.service; run rm -f ${distroMarker}; fi`,
            `true`,
        ),
    };
}

export interface NetperfDeploymentArgs {
    /** Every endpoint of the plan: netperf must be on each. */
    readonly endpoints: PlanEndpoint[];
    /** Names of the endpoints that run netserver (every endpoint that receives in some experiment). */
    readonly servers: string[];
    /** netserver control port. */
    readonly port: number;
    /** The lab's prefix: it names the netserver units, so that labs on one machine stay apart. */
    readonly labPrefix: string;
    /** netperf version every endpoint must have. */
    readonly version: string;
    /** Where netperf is built from where the distribution does not package the version. */
    readonly source: { readonly url: string; readonly sha256: string };
    /** Per endpoint: what netperf waits for (the machine and its NICs). */
    readonly ready: Readonly<Record<string, pulumi.Resource[]>>;
    /** The SSH connection of each ssh endpoint. */
    readonly connection?: (endpoint: PlanEndpoint) => pulumi.Output<Connection>;
}

/**
 * netperf on the lab: on namespaces a version check and netserver per receiving endpoint; on SSH
 * machines the install (after the endpoint's `ready` resources) and a netserver service. Outputs
 * the netperf version found on each endpoint; `ready` is what the benchmark waits for.
 */
export class NetperfDeployment extends pulumi.ComponentResource {
    /** One netserver resource per server endpoint. */
    readonly netservers: pulumi.Resource[];
    /**
     * What makes netperf usable on every endpoint: each install (clients too, which have no
     * netserver in a send-only or receive-only matrix) and each netserver. The benchmark waits for all.
     */
    readonly ready: pulumi.Resource[];
    /** The netperf version found on each endpoint. */
    readonly versions: pulumi.Output<Record<string, string>>;
    /** How each netserver started: `systemd unit <name>` or `plain process <pid> (<why>)`, or in which namespace. */
    readonly started: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: NetperfDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hvnetlab:netperf:NetperfDeployment", name, {}, opts);
        const servers = new Set(args.servers);
        const versions: pulumi.Output<[string, string]>[] = [];
        const started: pulumi.Output<[string, string]>[] = [];
        this.netservers = [];
        this.ready = [];
        for (const e of args.endpoints) {
            const dependsOn = args.ready[e.name] ?? [];
            if (e.access.kind === "netns") {
                if (!servers.has(e.name)) continue;
                const netserver = new command.local.Command(
                    `${name}-netserver-${e.name}`,
                    netserverScripts(e.access.namespace, args.port, args.version),
                    { parent: this, dependsOn },
                );
                this.netservers.push(netserver);
                versions.push(netserver.stdout.apply((v) => [e.name, v.trim()] as [string, string]));
                started.push(pulumi.output([e.name, `plain process in namespace ${e.access.namespace}`] as [string, string]));
                continue;
            }
            if (!args.connection)
                throw new pulumi.ResourceError(`endpoint ${e.name} is reached over ssh but the platform gave no connection`, this);
            const connection = args.connection(e);
            const label = `${e.name} (${e.access.host})`;
            const install = new command.remote.Command(
                `${name}-install-${e.name}`,
                {
                    connection,
                    create: netperfInstallScript(label, args.version, args.source),
                    triggers: [args.version],
                },
                { parent: this, dependsOn },
            );
            this.ready.push(install);
            versions.push(install.stdout.apply((v) => [e.name, v.trim().split("\n").pop() ?? ""] as [string, string]));
            if (servers.has(e.name)) {
                const netserver = new command.remote.Command(
                    `${name}-netserver-${e.name}`,
                    {
                        connection,
                        ...netserverServiceScripts(label, args.labPrefix, e.name, args.port),
                    },
                    { parent: this, dependsOn: [install] },
                );
                this.netservers.push(netserver);
                started.push(netserver.stdout.apply((out) => [e.name, out.trim().split("\n").pop() ?? ""] as [string, string]));
            }
        }
        this.ready.push(...this.netservers);
        this.versions = pulumi.all(versions).apply((pairs) => Object.fromEntries(pairs));
        this.started = pulumi.all(started).apply((pairs) => Object.fromEntries(pairs));
        this.registerOutputs({ versions: this.versions, started: this.started });
    }
}
