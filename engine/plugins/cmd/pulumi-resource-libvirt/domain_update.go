package main

import (
	"fmt"
	"sort"
	"strings"

	golibvirt "github.com/digitalocean/go-libvirt"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"libvirt.org/go/libvirtxml"

	"hvnetlab/engine/plugins/internal/providerkit"
)

// domainInPlace are the Domain inputs the official provider updates in place, without replacing
// the domain (terraform-provider-libvirt v0.8.1, libvirt/resource_libvirt_domain.go: the schema
// fields without ForceNew). Every other input replaces it. Of these, its Update acts only on
// `running` (a stopped domain is started), `autostart` and `cloudinit` (the CD-ROM is swapped);
// a changed NIC, kernel, initrd, machine or arch changes nothing on the host.
var domainInPlace = map[string]bool{
	"metadata": true, "running": true, "cloudinit": true, "networkInterfaces": true, "video": true,
	"autostart": true, "machine": true, "arch": true, "bootDevices": true, "emulator": true,
	"kernel": true, "initrd": true, "qemuAgent": true,
}

// domainDiff compares a Domain's new inputs with its state (as the official provider compares
// with what Read gave back, so `cmdlines` in another form than the read-back one is a change):
// changed inputs that are fixed at creation replace the domain, the old one deleted first; the
// others are an update.
func domainDiff(state, news resource.PropertyMap) *pulumirpc.DiffResponse {
	var diffs, replaces []string
	for _, k := range providerkit.ChangedKeys(state, news) {
		if strings.HasPrefix(k, "__") {
			continue
		}
		diffs = append(diffs, k)
		if !domainInPlace[k] {
			replaces = append(replaces, k)
		}
	}
	if len(diffs) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	}
	sort.Strings(diffs)
	sort.Strings(replaces)
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: diffs, Replaces: replaces, DeleteBeforeReplace: len(replaces) > 0}
}

// domainState is the state a Domain's Create or Update records: its inputs, with `cmdlines` in
// the form the official provider reads back (see splitKernelCmdline).
func domainState(props resource.PropertyMap, d domainInputs) resource.PropertyMap {
	state := props.Copy()
	delete(state, "cmdlines")
	if d.Cmdline != "" {
		state["cmdlines"] = cmdlinesProperty(d.Cmdline)
	}
	return state
}

// domainUpdater is the part of go-libvirt's client a Domain's update uses.
type domainUpdater interface {
	DomainLookupByName(name string) (golibvirt.Domain, error)
	DomainIsActive(dom golibvirt.Domain) (int32, error)
	DomainCreate(dom golibvirt.Domain) error
	DomainSetAutostart(dom golibvirt.Domain, autostart int32) error
	DomainUpdateDeviceFlags(dom golibvirt.Domain, xml string, flags golibvirt.DomainDeviceModifyFlags) error
}

// updateDomain does what the official provider's Update does (v0.8.1,
// resource_libvirt_domain.go resourceLibvirtDomainUpdate): starts the domain if it is not
// running, whatever `running` says; sets autostart where it changed; swaps the cloud-init CD-ROM
// (live and in the definition) where `cloudinit` changed, to the ISO at newISO. It never redefines
// the domain.
func updateDomain(l domainUpdater, old, d domainInputs, newISO string) error {
	dom, err := l.DomainLookupByName(d.Name)
	if err != nil {
		return fmt.Errorf("domain %q: %w", d.Name, err)
	}
	if active, err := l.DomainIsActive(dom); err != nil {
		return fmt.Errorf("domain %q: %w", d.Name, err)
	} else if active != 1 {
		if err := l.DomainCreate(dom); err != nil {
			return fmt.Errorf("starting domain %q: %w", d.Name, err)
		}
	}
	if old.CloudInit != d.CloudInit && d.CloudInit != "" {
		disk := cloudInitCDROM(newISO)
		x, err := disk.Marshal()
		if err != nil {
			return err
		}
		if err := l.DomainUpdateDeviceFlags(dom, x, golibvirt.DomainDeviceModifyConfig|golibvirt.DomainDeviceModifyLive); err != nil {
			return fmt.Errorf("swapping the cloud-init CD-ROM of domain %q: %w", d.Name, err)
		}
	}
	if old.Autostart != d.Autostart {
		v := int32(0)
		if d.Autostart {
			v = 1
		}
		if err := l.DomainSetAutostart(dom, v); err != nil {
			return fmt.Errorf("autostart of domain %q: %w", d.Name, err)
		}
	}
	return nil
}

// cloudInitCDROM is the cloud-init CD-ROM device of a domain: the ISO as a read-only IDE CD-ROM.
func cloudInitCDROM(iso string) libvirtxml.DomainDisk {
	return libvirtxml.DomainDisk{
		Device:   "cdrom",
		Driver:   &libvirtxml.DomainDiskDriver{Name: "qemu", Type: "raw"},
		Source:   &libvirtxml.DomainDiskSource{File: &libvirtxml.DomainDiskSourceFile{File: iso}},
		Target:   &libvirtxml.DomainDiskTarget{Dev: "hdd", Bus: "ide"},
		ReadOnly: &libvirtxml.DomainDiskReadOnly{},
	}
}
