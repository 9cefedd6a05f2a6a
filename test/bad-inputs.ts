// The bad inputs the sweep holds: invalid configs and plans, each with the key or field its
// message must name and the fix it must give.
import type { Plan } from "../model";
import type { ConfigKey, StructuredKey } from "../components/config";
import { PLAIN_SECRET } from "../components";

export type Values = Partial<Record<ConfigKey | StructuredKey, string>>;

/** A host block as the stack file holds it (JSON), with fields overridden. */
export const host = (over: Record<string, unknown> = {}) =>
    JSON.stringify({ address: "h1.lab", user: "root", managementNic: "eno1", nics: ["eth1", "eth2"], ...over });
/** A valid native stack's config, the base that many bad inputs break one key of. */
export const NATIVE: Values = {
    platform: "native",
    guests: "2",
    host: host(),
    peerHost: host({ address: "p1.lab" }),
    sshPrivateKey: "set",
};
const GUEST = {
    vcpus: 1,
    memoryMiB: 2048,
    diskGiB: 16,
    image: "https://example.org/debian.qcow2",
    user: "bench",
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA bench@lab",
};
const KVM: Values = {
    ...NATIVE,
    platform: "kvm",
    guest: JSON.stringify(GUEST),
    libvirt: JSON.stringify({ managementBridge: "br0" }),
    managementSubnet: "192.168.10.0/24",
    guestManagementAddresses: '["192.168.10.21", "192.168.10.22"]',
};

/** A valid esx stack's config: ESXi's pNIC names, a template, and vSphere's connection. */
export const ESX: Values = {
    ...KVM,
    platform: "esx",
    host: host({ address: "esxi1.lab", managementNic: "vmnic0", nics: ["vmnic1", "vmnic2"] }),
    guest: JSON.stringify({ ...GUEST, image: undefined, template: "debian12" }),
    libvirt: undefined,
    vsphere: JSON.stringify({
        server: "vc.lab",
        user: "administrator@vsphere.local",
        datacenter: "dc1",
        datastore: "ds1",
        managementNetwork: "VM Network",
    }),
    vspherePassword: "set",
};

/** A valid xen stack's config (HVM guests). */
const XEN: Values = { ...KVM, platform: "xen" };
/** A stack's config with a hvnetlab:nic block. */
const withNic = (base: Values, nic: Record<string, unknown>): Values => ({ ...base, nic: JSON.stringify(nic) });

/** [what, values, key named, the fix the message must give]. */
export const CONFIGS: [string, Values, string, RegExp][] = [
    // wrong types
    ["guests as a word", { guests: "four" }, "guests", /use a whole number from 1 to 64/],
    ["cpu as yes", { cpu: "yes" }, "cpu", /use true or false/],
    ["a fractional MTU", { mtu: "1500.5" }, "mtu", /use a whole number from 576 to 9216 bytes/],
    ["a list that is not one", { experiments: "[send" }, "experiments", /write a YAML\/JSON list/],
    ["a host block that is a string", { ...NATIVE, host: "h1.lab" }, "host", /write it as a YAML mapping under hvnetlab:host/],
    ["vcpus as a word", { ...KVM, guest: JSON.stringify({ ...GUEST, vcpus: "two" }) }, "guest.vcpus", /./],
    // out of range, and the sizes each test allows
    ["65 guests", { guests: "65" }, "guests", /from 1 to 64/],
    ["a billion guests, refused before anything is sized by it", { guests: "1e9" }, "guests", /from 1 to 64/],
    ["a 5 Mb/s wire", { nicSpeedMbps: "5" }, "nicSpeedMbps", /from 10 to 400000 Mb\/s/],
    ["a 1 s run", { durationSeconds: "1" }, "durationSeconds", /from 2 to 3600 seconds/],
    ["a 10 ms interval", { intervalSeconds: "0.01" }, "intervalSeconds", /from 0\.1 to 10 seconds/],
    ["a privileged netserver port", { netserverPort: "80" }, "netserverPort", /from 1024 to 65535/],
    ["a 10 ms start lead", { startLeadMs: "10" }, "startLeadMs", /from 50 to 2500 ms/],
    ["a start lead past netperf's PAD_TIME", { startLeadMs: "5000" }, "startLeadMs", /PAD_TIME \(4 s\).*from 50 to 2500 ms/],
    ["a message of 0 bytes", { messageSizes: "[0]" }, "messageSizes", /whole byte counts from 1 to 1048576/],
    ["a TCP message over 1 MiB", { messageSizes: "[2000000]" }, "messageSizes", /from 1 to 1048576/],
    [
        "a UDP datagram over 65507 bytes",
        { tests: "[UDP_STREAM]", messageSizes: "[65508]" },
        "messageSizes",
        /from 1 to 65507 \(the largest UDP datagram/,
    ],
    ["0 repeats", { repeats: "0" }, "repeats", /from 1 to 100/],
    ["a skew bound longer than the run leaves", { maxSkewMs: "8000" }, "maxSkewMs", /leaves no common window.*use less than 8000 ms/],
    ["a zero clock bound", { maxClockOffsetMs: "0" }, "maxClockOffsetMs", /from 0\.1 to 10000 ms/],
    [
        "a warm-up longer than the run",
        { durationSeconds: "3", warmupSeconds: "3" },
        "durationSeconds",
        /set it above 4 s or lower hvnetlab:warmupSeconds/,
    ],
    ["a guest count above guests", { guests: "4", guestCounts: "[1, 5]" }, "guestCounts", /list whole numbers such as \[1, 2, 4\]/],
    // platform limits, refused before anything is created
    ["an esx MTU of 9216", { ...ESX, mtu: "9216" }, "mtu", /above the 9000-byte MTU limit of a vSphere standard switch.*from 576 to 9000/],
    ["an esx MTU of 9001", { ...ESX, mtu: "9001" }, "mtu", /9000-byte MTU limit/],
    [
        "an esx guest memory that is not whole 4 MB",
        { ...ESX, guest: JSON.stringify({ ...GUEST, image: undefined, template: "t", memoryMiB: 2050 }) },
        "guest.memoryMiB",
        /not a multiple of 4 MB.*use 2048 or 2052/,
    ],
    [
        "an esx disk above 62 TB",
        { ...ESX, guest: JSON.stringify({ ...GUEST, image: undefined, template: "t", diskGiB: 65536 }) },
        "guest.diskGiB",
        /62 TB, 63488 GiB.*at most 63488/,
    ],
    [
        "Linux NIC names on an ESXi host",
        { ...ESX, host: host({ address: "esxi1.lab", managementNic: "vmnic0" }) },
        "host.nics",
        /eth1, eth2.*vmnic1, vmnic2/,
    ],
    // unknown enums
    ["an unknown platform", { platform: "hyperv" }, "platform", /use one of local, native, esx, kvm, xen/],
    ["an unknown experiment", { experiments: "[send, upload]" }, "experiments", /names unknown value\(s\) upload; use only send, receive/],
    ["an unknown test", { tests: "[TCP_CRR]" }, "tests", /use only TCP_STREAM/],
    ["an unknown peer", { peer: "router" }, "peer", /use one of native, guest/],
    ["an unknown failOn", { failOn: "sometimes" }, "failOn", /use one of failed, partial, never/],
    ["an unknown host key policy", { sshHostKeyChecking: "no" }, "sshHostKeyChecking", /use one of yes, accept-new/],
    // malformed or too small CIDRs
    ["a /33", { subnet: "10.77.0.0/33" }, "subnet", /use a private network such as 10\.77\.0\.0\/24/],
    ["three octets", { subnet: "10.77.0/24" }, "subnet", /use a private network/],
    [
        "a subnet too small for the guests",
        { guests: "4", subnet: "10.77.0.0/29" },
        "subnet",
        /use a \/28 or larger, e\.g\. 10\.77\.0\.0\/28/,
    ],
    ["a public subnet", { subnet: "8.8.8.0/24" }, "subnet", /use a network inside 10\.0\.0\.0\/8/],
    [
        "wires on the management network",
        { ...KVM, subnet: "192.168.10.0/26" },
        "subnet",
        /benchmark traffic must stay off the management network/,
    ],
    // duplicates
    ["an experiment twice", { experiments: "[send, send]" }, "experiments", /list each value once/],
    ["a guest count twice", { guestCounts: "[1, 1, 2]" }, "guestCounts", /list each guest count once/],
    ["a NIC twice", { ...NATIVE, peerHost: host({ address: "p1.lab", nics: ["eth1", "eth1"] }) }, "peerHost.nics", /eth1 more than once/],
    [
        "a management address twice",
        { ...KVM, guestManagementAddresses: '["192.168.10.21", "192.168.10.21"]' },
        "guestManagementAddresses",
        /give every guest its own address/,
    ],
    // shell metacharacters in names, hosts and paths
    ["a prefix that runs a command", { labPrefix: "x; touch /tmp/pwned" }, "labPrefix", /use 1-10 lowercase letters and digits/],
    ["a run id with a substitution", { runId: "1$(reboot)" }, "runId", /use 1-64 letters, digits/],
    ["a host that runs a command", { ...NATIVE, host: host({ address: "h1;reboot" }) }, "host.address", /./],
    ["a known_hosts path with a space", { sshKnownHostsFile: "/tmp/k h" }, "sshKnownHostsFile", /use an absolute path/],
    [
        "a source URL with a substitution",
        { netperfSourceUrl: "https://x.org/$(id).tar.gz" },
        "netperfSourceUrl",
        /use the https URL of the netperf release tarball/,
    ],
    ["a results file with a semicolon", { resultsFile: "out/x;rm -rf.json" }, "resultsFile", /use a path of letters, digits/],
    ["a results file outside the project by ..", { resultsFile: "../../etc/x.json" }, "resultsFile", /e\.g\. out\/kvm\.results\.json/],
    ["a version with a command", { netperfVersion: "2.7.0; id" }, "netperfVersion", /use a version like 2\.7\.0/],
    // the virtual NIC path (hvnetlab:nic), each field on each platform
    [
        "a kvm NIC of another hypervisor",
        withNic(KVM, { model: "vmxnet3" }),
        "nic.model",
        /use one of virtio, e1000e, e1000, rtl8139 \(default virtio\)/,
    ],
    [
        "an esx NIC of another hypervisor",
        withNic(ESX, { model: "virtio" }),
        "nic.model",
        /use one of vmxnet3, e1000e, e1000 \(default vmxnet3\)/,
    ],
    ["a xen NIC QEMU does not emulate for Xen", withNic(XEN, { model: "e1000e" }), "nic.model", /use one of netfront, e1000, rtl8139/],
    ["multiqueue on a model without it", withNic(KVM, { model: "e1000e", queues: 2 }), "nic.queues", /use model virtio, or queues 1/],
    ["more queues than vCPUs", withNic(KVM, { queues: 4 }), "nic.queues", /use at most 1, or give the guest more vCPUs/],
    ["queues on esx, which vSphere's resource cannot set", withNic(ESX, { queues: 2 }), "nic.queues", /leave queues out/],
    ["queues that are not a count", withNic(KVM, { queues: "two" }), "nic.queues", /use a whole number from 1 to 64/],
    [
        "a kvm attachment of another hypervisor",
        withNic(KVM, { attach: "vswitch" }),
        "nic.attach",
        /use one of macvtap, bridge, passthrough, hostdev/,
    ],
    [
        "a xen guest on macvtap, which libxl rejects",
        withNic(XEN, { attach: "macvtap" }),
        "nic.attach",
        /use one of bridge \(default bridge\)/,
    ],
    ["an esx attachment not offered", withNic(ESX, { attach: "sriov" }), "nic.attach", /use one of vswitch/],
    ["vhost on xen", withNic(XEN, { vhost: "on" }), "nic.vhost", /leave nic.vhost out/],
    ["vhost neither on nor off", withNic(KVM, { vhost: "maybe" }), "nic.vhost", /use on \(vhost-net\) or off/],
    ["vhost on an emulated e1000e", withNic(KVM, { model: "e1000e", vhost: "on" }), "nic.vhost", /use model virtio/],
    ["hostdev without the guests' devices", withNic(KVM, { attach: "hostdev" }), "nic.devices", /list one PCI address per guest/],
    [
        "hostdev devices that are not PCI addresses",
        withNic(KVM, { attach: "hostdev", devices: ["0000:3b:02.0", "eth1"] }),
        "nic.devices",
        /as sysfs names it/,
    ],
    [
        "one device for two guests",
        withNic(KVM, { attach: "hostdev", devices: ["0000:3b:02.0"] }),
        "nic.devices",
        /one PCI address per guest/,
    ],
    [
        "one device twice",
        withNic(KVM, { attach: "hostdev", devices: ["0000:3b:02.0", "0000:3b:02.0"] }),
        "nic.devices",
        /give every guest its own device/,
    ],
    ["devices with macvtap", withNic(KVM, { devices: ["0000:3b:02.0", "0000:3b:02.1"] }), "nic.devices", /leave nic.devices out/],
    ["pinning for one guest of two", withNic(KVM, { pinning: [{ vcpus: ["2"] }] }), "nic.pinning", /one entry per guest/],
    [
        "a vCPU pinned to a CPU list with a command",
        withNic(KVM, { pinning: [{ vcpus: ["2;reboot"] }, { vcpus: ["3"] }] }),
        "nic.pinning[0].vcpus",
        /in the kernel's syntax/,
    ],
    [
        "two CPU lists for one vCPU",
        withNic(KVM, { pinning: [{ vcpus: ["2", "3"] }, { vcpus: ["3"] }] }),
        "nic.pinning[0].vcpus",
        /give one CPU list per vCPU/,
    ],
    [
        "QEMU's I/O threads pinned on Xen",
        withNic(XEN, { pinning: [{ vcpus: ["2"], io: "0" }, { vcpus: ["3"] }] }),
        "nic.pinning[0]",
        /use only vcpus/,
    ],
    [
        "a nic block with a field it has not",
        withNic(KVM, { offload: "tso" }),
        "nic",
        /use only model, queues, attach, vhost, pinning, devices/,
    ],
    ["a nic block on native, which has no virtual NIC", withNic(NATIVE, { model: "virtio" }), "nic", /leave the hvnetlab:nic block out/],
    // a plain (non-secret) key
    ["an SSH key stored in plain text", { ...NATIVE, sshPrivateKey: PLAIN_SECRET }, "sshPrivateKey", /set it again with --secret/],
];

export const PLAN: Plan = {
    schemaVersion: 1,
    platform: "local",
    labPrefix: "t",
    fingerprint: "sha256:x",
    netserverPort: 12865,
    durationSeconds: 3,
    intervalSeconds: 0.5,
    warmupSeconds: 0.5,
    startLeadMs: 100,
    cpu: true,
    limitBasis: "tbf",
    maxClockOffsetMs: 5,
    matrix: { experiments: ["send"], peer: "native", tests: ["TCP_STREAM"], messageSizes: [16384], guestCounts: [1] },
    endpoints: [
        { name: "peer", role: "peer", access: { kind: "netns", namespace: "t-peer" } },
        { name: "g1", role: "guest", access: { kind: "netns", namespace: "t-g1" } },
    ],
    wires: [
        {
            index: 0,
            guest: "g1",
            guestNic: "bench0",
            guestAddress: "10.77.0.2",
            peer: "peer",
            peerNic: "bench0",
            peerAddress: "10.77.0.1",
            speedMbps: 1000,
            mtu: 1500,
        },
    ],
};

/** [what, the plan changed, the field named in the message]. */
export const PLANS: [string, (p: Plan) => unknown, RegExp][] = [
    [
        "a namespace that runs a command",
        (p) => ({ ...p, endpoints: [p.endpoints[0], { ...p.endpoints[1], access: { kind: "netns", namespace: "x; touch /tmp/pwned" } }] }),
        /endpoints\[1\]\.access needs a namespace name/,
    ],
    [
        "an ssh host that runs a command",
        (p) => ({
            ...p,
            endpoints: [p.endpoints[0], { ...p.endpoints[1], access: { kind: "ssh", host: "h;id", user: "root", port: 22 } }],
        }),
        /endpoints\[1\]\.access needs host, an address or DNS name/,
    ],
    ["an MTU of 100", (p) => ({ ...p, wires: [{ ...p.wires[0], mtu: 100 }] }), /wires\[0\]\.mtu must be in 576\.\.9216/],
    ["0 repeats", (p) => ({ ...p, repeats: 0 }), /repeats must be a whole number in 1\.\.100/],
    [
        "an address with a leading zero",
        (p) => ({ ...p, wires: [{ ...p.wires[0], guestAddress: "10.01.0.2" }] }),
        /wires\[0\] needs IPv4 guestAddress and peerAddress/,
    ],
    [
        "an endpoint listed twice",
        (p) => ({ ...p, endpoints: [p.endpoints[0], p.endpoints[1], p.endpoints[1]] }),
        /endpoints\[2\]\.name 'g1' is listed twice/,
    ],
    [
        "more guests than wires",
        (p) => ({ ...p, matrix: { ...p.matrix, guestCounts: [1, 2] } }),
        /matrix\.guestCounts goes up to 2 but there are only 1 wires/,
    ],
];
