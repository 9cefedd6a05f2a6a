// The virtual NIC path (hvnetlab:nic) in a libvirt guest's domain XML. The official libvirt
// provider 0.5.4 has no input for a NIC's model, queues or backend, nor for pinning: every NIC it
// writes is <model type="virtio"/> (terraform-provider-libvirt v0.8.1, libvirt/domain.go
// setNetworkInterfaces), so the path is expressed as XSLT templates added to the platform's
// stylesheet (xml.xslt, applied by the provider before the domain is defined). The element
// shapes are libvirt's (formatdomain: "Network interfaces", "Setting the NIC model", "Setting NIC
// driver-specific options", "PCI Passthrough", "CPU Tuning"). Every value written is one the
// config parser checked (components/config/nic-path.ts); each is checked again here.
import type { NicSpec } from "../config";
import { CPU_LIST, PCI_ADDRESS } from "../config";

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const MODEL = /^[a-z0-9]{1,16}$/;

/** What the templates need of one guest: its benchmark NIC's MAC (how the XML names the NIC) and its index. */
export interface NicGuest {
    readonly benchmarkMac: string;
    /** The guest's position among the lab's guests (its wire's index). */
    readonly index: number;
}

function checked(value: string, pattern: RegExp, what: string): string {
    if (!pattern.test(value)) throw new RangeError(`${what} '${value}' is not valid in a domain's XML`);
    return value;
}

/** A PCI address (0000:3b:02.1) as libvirt's <address type="pci" .../>. */
export function pciAddressElement(address: string): string {
    const [domain, bus, slotFn] = checked(address, PCI_ADDRESS, "PCI address").split(":");
    const [slot, fn] = slotFn.split(".");
    return `<address type="pci" domain="0x${domain}" bus="0x${bus}" slot="0x${slot}" function="0x${fn}"/>`;
}

/** The benchmark interface's template: a PCI device handed over (hostdev), or the model and driver set. */
function interfaceTemplate(spec: NicSpec, guest: NicGuest): string {
    const mac = checked(guest.benchmarkMac.toLowerCase(), MAC, "MAC address");
    const match = `/domain/devices/interface[translate(mac/@address, 'ABCDEF', 'abcdef') = '${mac}']`;
    const path = spec.path;
    if (path.attach === "hostdev") {
        const device = spec.devices[guest.index];
        if (device === undefined) throw new RangeError(`nic.devices has no PCI address for guest ${guest.index + 1}`);
        return [
            `  <xsl:template match="${match}">`,
            `    <interface type="hostdev" managed="yes">`,
            `      <mac address="{mac/@address}"/>`,
            `      <source>${pciAddressElement(device)}</source>`,
            `    </interface>`,
            `  </xsl:template>`,
        ].join("\n");
    }
    const model = checked(path.model, MODEL, "NIC model");
    const queues = Number.isInteger(path.queues) && path.queues >= 1 ? path.queues : 1;
    const backend = path.vhost === "on" ? ` name="vhost"` : path.vhost === "off" ? ` name="qemu"` : "";
    const driver = backend || queues > 1 ? `\n      <driver${backend}${queues > 1 ? ` queues="${queues}"` : ""}/>` : "";
    return [
        `  <xsl:template match="${match}">`,
        `    <xsl:copy>`,
        `      <xsl:apply-templates select="@*|node()[not(self::model) and not(self::driver)]"/>`,
        `      <model type="${model}"/>${driver}`,
        `    </xsl:copy>`,
        `  </xsl:template>`,
    ].join("\n");
}

/** The guest's <cputune>: one vcpupin per vCPU, and (kvm) the emulator's threads pinned. */
function cputuneTemplate(spec: NicSpec, guest: NicGuest): string {
    const pins = spec.pinning[guest.index];
    if (!pins) throw new RangeError(`nic.pinning has no entry for guest ${guest.index + 1}`);
    const lines = pins.vcpus.map((list, v) => `<vcpupin vcpu="${v}" cpuset="${checked(list, CPU_LIST, "CPU list")}"/>`);
    if (pins.io !== undefined) lines.push(`<emulatorpin cpuset="${checked(pins.io, CPU_LIST, "CPU list")}"/>`);
    return [
        `  <xsl:template match="/domain">`,
        `    <xsl:copy>`,
        `      <xsl:apply-templates select="@*|node()[not(self::cputune)]"/>`,
        `      <cputune>${lines.join("")}</cputune>`,
        `    </xsl:copy>`,
        `  </xsl:template>`,
    ].join("\n");
}

/**
 * The XSLT templates that give one guest its NIC path: the benchmark interface (found by its
 * MAC, in any case) with the path's model and driver (vhost or qemu backend, queues), or replaced
 * by the guest's PCI device with attach hostdev; and its vCPUs pinned when the path is. The
 * default path of the platform adds nothing but the model (virtio or netfront, which the
 * platforms' stylesheets already write). Throws a RangeError on a value that is not valid XML
 * for libvirt, or on a guest without its device or pinning entry.
 */
export function nicPathTemplates(spec: NicSpec, guest: NicGuest): string {
    return [interfaceTemplate(spec, guest), ...(spec.path.pinned ? [cputuneTemplate(spec, guest)] : [])].join("\n");
}

/** A stylesheet with templates added before its end; throws when it has no </xsl:stylesheet>. */
export function withTemplates(sheet: string, templates: string): string {
    const end = sheet.lastIndexOf("</xsl:stylesheet>");
    if (end < 0) throw new Error("the stylesheet has no </xsl:stylesheet>");
    return `${sheet.slice(0, end)}${templates}\n${sheet.slice(end)}`;
}
