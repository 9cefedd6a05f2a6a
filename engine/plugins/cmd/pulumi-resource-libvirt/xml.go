package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"libvirt.org/go/libvirtxml"
)

// attachedDisk is a volume as the domain attaches it: its path on the host and its format.
type attachedDisk struct{ Path, Format string }

// domainXML is the libvirt domain definition for the inputs, with the devices the official
// provider gives every domain (terraform-provider-libvirt v0.8.1, libvirt/domain_def.go
// newDomainDef): PAE, ACPI and APIC, an empty <cpu/>, spice graphics on an automatic port, the
// qemu guest-agent channel and a virtio RNG from /dev/urandom ($TF_LIBVIRT_RNG_DEV where set); a
// program that wants fewer removes them in its xml.xslt. Then disks as virtio vdX, the cloud-init
// ISO as a read-only IDE CD-ROM, each NIC as a virtio interface on its bridge or macvtap (direct)
// source, pty consoles. Pure: the volumes are already resolved.
func domainXML(d domainInputs, disks []attachedDisk, cloudInitISO string) (string, error) {
	rng := os.Getenv("TF_LIBVIRT_RNG_DEV")
	if rng == "" {
		rng = "/dev/urandom"
	}
	dom := libvirtxml.Domain{
		Type:   d.Type,
		Name:   d.Name,
		Memory: &libvirtxml.DomainMemory{Value: d.MemoryMiB, Unit: "MiB"},
		VCPU:   &libvirtxml.DomainVCPU{Placement: "static", Value: d.VCPU},
		OS: &libvirtxml.DomainOS{
			Type:    &libvirtxml.DomainOSType{Arch: d.Arch, Machine: d.Machine, Type: osType(d.Type)},
			Kernel:  d.Kernel,
			Initrd:  d.Initrd,
			Cmdline: d.Cmdline,
		},
		Features: &libvirtxml.DomainFeatureList{PAE: &libvirtxml.DomainFeature{}, ACPI: &libvirtxml.DomainFeature{}, APIC: &libvirtxml.DomainFeatureAPIC{}},
		CPU:      &libvirtxml.DomainCPU{},
		Devices: &libvirtxml.DomainDeviceList{
			Graphics: []libvirtxml.DomainGraphic{{Spice: &libvirtxml.DomainGraphicSpice{AutoPort: "yes"}}},
			Channels: []libvirtxml.DomainChannel{{
				Source: &libvirtxml.DomainChardevSource{UNIX: &libvirtxml.DomainChardevSourceUNIX{}},
				Target: &libvirtxml.DomainChannelTarget{VirtIO: &libvirtxml.DomainChannelTargetVirtIO{Name: "org.qemu.guest_agent.0"}},
			}},
			RNGs: []libvirtxml.DomainRNG{{
				Model:   "virtio",
				Backend: &libvirtxml.DomainRNGBackend{Random: &libvirtxml.DomainRNGBackendRandom{Device: rng}},
			}},
		},
	}
	if d.CPUMode != "" {
		dom.CPU.Mode = d.CPUMode
	}
	for i, disk := range disks {
		dom.Devices.Disks = append(dom.Devices.Disks, libvirtxml.DomainDisk{
			Device: "disk",
			Driver: &libvirtxml.DomainDiskDriver{Name: "qemu", Type: disk.Format},
			Source: &libvirtxml.DomainDiskSource{File: &libvirtxml.DomainDiskSourceFile{File: disk.Path}},
			Target: &libvirtxml.DomainDiskTarget{Dev: "vd" + string(rune('a'+i)), Bus: "virtio"},
		})
	}
	if cloudInitISO != "" {
		dom.Devices.Disks = append(dom.Devices.Disks, cloudInitCDROM(cloudInitISO))
	}
	for _, n := range d.NICs {
		iface := libvirtxml.DomainInterface{Model: &libvirtxml.DomainInterfaceModel{Type: "virtio"}}
		if n.MAC != "" {
			iface.MAC = &libvirtxml.DomainInterfaceMAC{Address: n.MAC}
		}
		switch {
		case n.Bridge != "":
			iface.Source = &libvirtxml.DomainInterfaceSource{Bridge: &libvirtxml.DomainInterfaceSourceBridge{Bridge: n.Bridge}}
		case n.Macvtap != "":
			iface.Source = &libvirtxml.DomainInterfaceSource{Direct: &libvirtxml.DomainInterfaceSourceDirect{Dev: n.Macvtap, Mode: "bridge"}}
		case n.Vepa != "":
			iface.Source = &libvirtxml.DomainInterfaceSource{Direct: &libvirtxml.DomainInterfaceSourceDirect{Dev: n.Vepa, Mode: "vepa"}}
		case n.Passthrough != "":
			iface.Source = &libvirtxml.DomainInterfaceSource{Direct: &libvirtxml.DomainInterfaceSourceDirect{Dev: n.Passthrough, Mode: "passthrough"}}
		}
		dom.Devices.Interfaces = append(dom.Devices.Interfaces, iface)
	}
	for _, c := range d.Consoles {
		if c.Type != "pty" {
			return "", fmt.Errorf("consoles: type %q is not supported by hvnetlab's libvirt provider (pty only)", c.Type)
		}
		port := uint(0)
		if c.TargetPort != "" {
			if _, err := fmt.Sscan(c.TargetPort, &port); err != nil {
				return "", fmt.Errorf("consoles: targetPort must be a number, got %q", c.TargetPort)
			}
		}
		target := c.TargetType
		if target == "" {
			target = "serial"
		}
		dom.Devices.Consoles = append(dom.Devices.Consoles, libvirtxml.DomainConsole{
			Source: &libvirtxml.DomainChardevSource{Pty: &libvirtxml.DomainChardevSourcePty{}},
			Target: &libvirtxml.DomainConsoleTarget{Type: target, Port: &port},
		})
	}
	return dom.Marshal()
}

// osType is the domain's <os><type>: hvm for every domain type, Xen's included, as the official
// provider (terraform-provider-libvirt) writes it. A Xen PV guest is asked for in the domain's
// xml.xslt (the xen platform's xen-domain.xslt does, for hvnetlab:xen.guestMode pv).
func osType(string) string {
	return "hvm"
}

// definitionXML is the XML the provider defines for a domain: domainXML, then its xml.xslt.
func definitionXML(d domainInputs, disks []attachedDisk, cloudInitISO string) (string, error) {
	x, err := domainXML(d, disks, cloudInitISO)
	if err != nil {
		return "", err
	}
	return applyXSLT(x, d.XSLT)
}

// applyXSLT transforms a domain XML with the domain's `xml.xslt`, with xsltproc (libxslt), as the
// official provider does with its own XSLT processor.
func applyXSLT(domain, xslt string) (string, error) {
	if strings.TrimSpace(xslt) == "" {
		return domain, nil
	}
	proc, err := exec.LookPath("xsltproc")
	if err != nil {
		return "", fmt.Errorf("xml.xslt needs xsltproc on the machine running Pulumi (Debian: apt-get install xsltproc)")
	}
	dir, err := os.MkdirTemp("", "hvnetlab-xslt-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	sheet := filepath.Join(dir, "domain.xslt")
	if err := os.WriteFile(sheet, []byte(xslt), 0o600); err != nil {
		return "", err
	}
	cmd := exec.Command(proc, sheet, "-")
	cmd.Stdin = strings.NewReader(domain)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("xml.xslt failed on the domain XML: %v: %s", err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

// poolXML is a directory pool's definition.
func poolXML(p poolInputs) (string, error) {
	pool := libvirtxml.StoragePool{Type: "dir", Name: p.Name, Target: &libvirtxml.StoragePoolTarget{Path: p.Path}}
	return pool.Marshal()
}

// volumeXML is a volume's definition: capacity in bytes, its format, and where it is a
// copy-on-write layer, its backing file.
func volumeXML(name, format string, capacity uint64, backingPath, backingFormat string) (string, error) {
	vol := libvirtxml.StorageVolume{
		Name:     name,
		Capacity: &libvirtxml.StorageVolumeSize{Value: capacity, Unit: "bytes"},
		Target:   &libvirtxml.StorageVolumeTarget{Format: &libvirtxml.StorageVolumeTargetFormat{Type: format}},
	}
	if backingPath != "" {
		vol.BackingStore = &libvirtxml.StorageVolumeBackingStore{
			Path:   backingPath,
			Format: &libvirtxml.StorageVolumeTargetFormat{Type: backingFormat},
		}
	}
	return vol.Marshal()
}
