import * as assert from "assert";
import * as path from "path";
import { wireAddresses } from "../../../../components/config/addressing";
import { DEFAULTS, STRUCTURED_KEYS } from "../../../../components/config";
import { ConfigError, parseLabConfig } from "../../../../components";
import { readProject } from "../../../../tools/engine/stack-config";
import type { Values } from "../../../bad-inputs";
import { host, NATIVE } from "../../../bad-inputs";

const parse = (values: Values) => parseLabConfig((k) => values[k]);

function rejects(values: Values, key: string, fix: RegExp): void {
    assert.throws(
        () => parse(values),
        (e: Error) => {
            assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
            const line = e.problems.find((p) => p.startsWith(`hvnetlab:${key} `));
            assert.ok(line, `no problem names hvnetlab:${key}: ${e.message}`);
            assert.match(line!, fix);
            return true;
        },
    );
}

const GUEST = {
    vcpus: 1,
    memoryMiB: 2048,
    diskGiB: 16,
    image: "https://example.org/debian.qcow2",
    template: "debian-12",
    user: "bench",
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA bench@lab",
};

describe("lab configuration", () => {
    it("applies the defaults", () => {
        const c = parse({});
        assert.strictEqual(c.platform, "local");
        assert.strictEqual(c.guests, 4);
        assert.deepStrictEqual(c.experiments, ["send", "receive"]);
        assert.deepStrictEqual(c.tests, ["TCP_STREAM"]);
        assert.deepStrictEqual(c.messageSizes, [16384]);
        assert.strictEqual(c.subnetText, "10.77.0.0/24");
        assert.strictEqual(c.cpu, true);
    });

    it("reads lists as JSON (Pulumi's form) or comma-separated", () => {
        assert.deepStrictEqual(parse({ tests: '["TCP_STREAM","TCP_RR"]' }).tests, ["TCP_STREAM", "TCP_RR"]);
        assert.deepStrictEqual(parse({ tests: "UDP_STREAM, TCP_MAERTS" }).tests, ["UDP_STREAM", "TCP_MAERTS"]);
        assert.deepStrictEqual(parse({ messageSizes: "[1472, 16384]" }).messageSizes, [1472, 16384]);
    });

    it("rejects an unknown platform", () =>
        rejects({ platform: "hyperv" }, "platform", /"hyperv" is not known; use one of local, native, esx, kvm, xen/));
    it("rejects guests out of range", () => {
        rejects({ guests: "0" }, "guests", /from 1 to 64/);
        rejects({ guests: "65" }, "guests", /from 1 to 64/);
        rejects({ guests: "2.5" }, "guests", /whole number/);
    });
    it("rejects more guests than dedicated NICs", () =>
        rejects(
            { ...NATIVE, guests: "3", host: host({ nics: ["eth1", "eth2"] }) },
            "guests",
            /more than the 2 dedicated NIC\(s\) in hvnetlab:host\.nics/,
        ));
    it("rejects a NIC listed twice", () =>
        rejects({ ...NATIVE, peerHost: host({ nics: ["eth1", "eth1"] }) }, "peerHost.nics", /eth1 more than once/));
    it("rejects a management NIC reused for benchmarking", () =>
        rejects(
            { ...NATIVE, host: host({ nics: ["eth1", "eno1"] }) },
            "host.nics",
            /includes the management NIC eno1; benchmark traffic must stay off the management network/,
        ));
    it("rejects NIC names that are not interface names", () =>
        rejects({ ...NATIVE, host: host({ nics: ["eth1;reboot", "eth2"] }) }, "host.nics", /invalid entries "eth1;reboot"/));
    it("accepts a complete native stack", () => {
        const c = parse(NATIVE);
        assert.ok(c.platform === "native");
        assert.deepStrictEqual(c.host.nics, ["eth1", "eth2"]);
        assert.strictEqual(c.peerHost.port, 22);
    });
    it("needs the SSH key as a secret on remote platforms", () =>
        rejects({ ...NATIVE, sshPrivateKey: undefined }, "sshPrivateKey", /pulumi config set --secret hvnetlab:sshPrivateKey/));
    it("needs the host and peer blocks on remote platforms", () => {
        rejects({ ...NATIVE, host: undefined }, "host", /is missing but hvnetlab:platform native needs it; add a hvnetlab:host block/);
        rejects({ ...NATIVE, peerHost: host({ address: "h1.lab" }) }, "peerHost.address", /is the host itself/);
    });
    it("rejects VM-to-VM peers on remote platforms", () =>
        rejects({ ...NATIVE, peer: "guest" }, "peer", /not supported on platform native/));
    it("needs the guest block, management addresses and vSphere settings for esx", () => {
        const esx: Values = { ...NATIVE, platform: "esx", vspherePassword: "set", managementSubnet: "192.168.10.0/24" };
        rejects(esx, "guest", /is missing but hvnetlab:platform esx needs it/);
        rejects(esx, "vsphere", /server, user, datacenter, datastore and managementNetwork/);
        rejects(
            { ...esx, guest: JSON.stringify({ ...GUEST, template: undefined }) },
            "guest.template",
            /clones its guests from a template/,
        );
        rejects(
            { ...esx, guestManagementAddresses: "[192.168.10.5, 192.168.99.6]" },
            "guestManagementAddresses",
            /outside the management network: 192\.168\.99\.6/,
        );
        rejects({ ...esx, vspherePassword: undefined }, "vspherePassword", /--secret hvnetlab:vspherePassword/);
    });
    it("checks every field of the guest block", () => {
        const kvm: Values = {
            ...NATIVE,
            platform: "kvm",
            managementSubnet: "192.168.10.0/24",
            guestManagementAddresses: "[192.168.10.5, 192.168.10.6]",
            libvirt: '{"managementBridge":"br0"}',
        };
        const c = parse({ ...kvm, guest: JSON.stringify(GUEST) });
        assert.ok(c.platform === "kvm");
        assert.strictEqual(c.guest.memoryMiB, 2048);
        rejects({ ...kvm, guest: JSON.stringify({ ...GUEST, vcpus: 0 }) }, "guest.vcpus", /from 1 to 128/);
        rejects(
            { ...kvm, guest: JSON.stringify({ ...GUEST, sshPublicKey: "ssh-ed25519 AAAA'; reboot" }) },
            "guest.sshPublicKey",
            /one OpenSSH public key line/,
        );
        rejects({ ...kvm, guest: JSON.stringify({ ...GUEST, image: undefined }) }, "guest.image", /boots its guests from a cloud image/);
        rejects({ ...kvm, guest: JSON.stringify({ ...GUEST, cpus: 2 }) }, "guest", /unknown setting\(s\) cpus/);
        // The official libvirt provider sorts the kernel's arguments: the platform sets the console.
        const boot = { ...GUEST, kernel: "/boot/vmlinuz", initrd: "/boot/initrd.img" };
        const booted = parse({ ...kvm, guest: JSON.stringify({ ...boot, cmdline: "root=/dev/vda rw" }) });
        assert.ok(booted.platform === "kvm");
        assert.strictEqual(booted.guest.cmdline, "root=/dev/vda rw");
        rejects(
            { ...kvm, guest: JSON.stringify({ ...boot, cmdline: "root=/dev/vda console=ttyS0 console=hvc0" }) },
            "guest.cmdline",
            /sorts the kernel's arguments/,
        );
    });
    it("rejects a subnet too small for the wires", () =>
        rejects(
            { guests: "4", subnet: "10.77.0.0/29" },
            "subnet",
            /holds 2 \/30 wire\(s\) but hvnetlab:guests is 4; use a \/28 or larger/,
        ));
    it("rejects a subnet with host bits, a public one, or garbage", () => {
        rejects({ subnet: "10.77.0.5/24" }, "subnet", /host bits set \(the network address is 10\.77\.0\.0\/24\)/);
        rejects({ subnet: "8.8.8.0/24" }, "subnet", /not inside a private range/);
        rejects({ subnet: "10.77.0/24" }, "subnet", /not an IPv4 CIDR/);
    });
    it("rejects a subnet overlapping the management network", () =>
        rejects({ subnet: "10.77.0.0/24", managementSubnet: "10.0.0.0/8" }, "subnet", /overlaps the management network 10\.0\.0\.0\/8/));
    it("rejects an MTU out of 576..9216", () => {
        rejects({ mtu: "575" }, "mtu", /from 576 to 9216/);
        rejects({ mtu: "9217" }, "mtu", /from 576 to 9216/);
    });
    it("rejects empty or unknown tests", () => {
        rejects({ tests: "[]" }, "tests", /is empty; list at least one of TCP_STREAM/);
        rejects(
            { tests: "[TCP_STREAM, SCTP_STREAM]" },
            "tests",
            /unknown value\(s\) SCTP_STREAM; use only TCP_STREAM, TCP_MAERTS, UDP_STREAM, TCP_RR/,
        );
    });
    it("rejects unknown experiments and peers", () => {
        rejects({ experiments: "[send, bidirectional]" }, "experiments", /bidirectional/);
        rejects({ peer: "cloud" }, "peer", /use one of native, guest/);
    });
    it("rejects a privileged or impossible port", () => {
        rejects({ netserverPort: "80" }, "netserverPort", /from 1024 to 65535/);
        rejects({ netserverPort: "70000" }, "netserverPort", /from 1024 to 65535/);
    });
    it("rejects a duration that leaves no window after warm-up", () =>
        rejects({ durationSeconds: "2", warmupSeconds: "1.5" }, "durationSeconds", /no aggregation window/));
    it("rejects names that cannot become namespaces", () =>
        rejects({ labPrefix: "Lab Prefix" }, "labPrefix", /lowercase letters and digits/));
    it("rejects message sizes out of range", () => rejects({ messageSizes: "[0, 16384]" }, "messageSizes", /from 1 to 1048576/));
    it("judges start skew against 5% of the duration unless hvnetlab:maxSkewMs is set", () => {
        assert.strictEqual(parse({ durationSeconds: "20" }).maxSkewMs, 1000);
        assert.strictEqual(parse({ durationSeconds: "20", maxSkewMs: "40" }).maxSkewMs, 40);
        rejects({ maxSkewMs: "-1" }, "maxSkewMs", /from 0 to 600000 ms/);
    });
    it("takes TCP sends of 64 KiB and more, up to 1 MiB", () => {
        assert.deepStrictEqual(parse({ messageSizes: "[65536, 1048576]" }).messageSizes, [65536, 1048576]);
        rejects({ messageSizes: "[1048577]" }, "messageSizes", /from 1 to 1048576/);
    });
    it("caps message sizes at the largest UDP datagram when UDP_STREAM runs", () =>
        rejects(
            { tests: '["TCP_STREAM","UDP_STREAM"]', messageSizes: "[65536]" },
            "messageSizes",
            /from 1 to 65507 \(the largest UDP datagram/,
        ));
    it("reports every problem at once", () => {
        assert.throws(
            () => parse({ platform: "x", mtu: "1", guests: "0" }),
            (e: ConfigError) => e.problems.length === 3,
        );
    });

    it("declares every plain key in Pulumi.yaml with the same default, and no structured key", () => {
        const declared = readProject(path.join(__dirname, "..", "..", "..", "..")).config ?? {};
        for (const [key, value] of Object.entries(DEFAULTS)) {
            const decl = declared[`hvnetlab:${key}`];
            assert.ok(decl, `Pulumi.yaml does not declare hvnetlab:${key}`);
            assert.ok(decl.type && decl.description, `hvnetlab:${key} needs a type and a description`);
            assert.strictEqual(String(decl.default), String(value), `default of hvnetlab:${key}`);
        }
        assert.strictEqual(
            Object.keys(declared).length,
            Object.keys(DEFAULTS).length,
            "Pulumi.yaml declares keys the program does not read",
        );
        for (const key of STRUCTURED_KEYS)
            assert.ok(!declared[`hvnetlab:${key}`], `hvnetlab:${key} is an object: Pulumi.yaml cannot declare it`);
    });
});

describe("wire addressing", () => {
    it("gives wire i the i-th /30, peer first", () => {
        const subnet = parse({}).subnet;
        assert.deepStrictEqual(wireAddresses(subnet, 0), { network: "10.77.0.0", peer: "10.77.0.1", guest: "10.77.0.2", prefix: 30 });
        assert.deepStrictEqual(wireAddresses(subnet, 63), {
            network: "10.77.0.252",
            peer: "10.77.0.253",
            guest: "10.77.0.254",
            prefix: 30,
        });
        assert.throws(() => wireAddresses(subnet, 64), RangeError);
    });
});
