package main

import (
	"hvnetlab/engine/plugins/internal/providerkit"
)

// Resource types this provider serves, with the tokens of the @pulumi/libvirt 0.5.4 SDK.
const (
	poolType          = "libvirt:index/pool:Pool"
	volumeType        = "libvirt:index/volume:Volume"
	cloudInitDiskType = "libvirt:index/cloudInitDisk:CloudInitDisk"
	domainType        = "libvirt:index/domain:Domain"
)

// poolInputs are a Pool's inputs: only directory pools.
type poolInputs struct {
	Name, Type, Path string
}

func parsePool(r providerkit.Reader) poolInputs {
	p := poolInputs{Name: r.Required("name", "the storage pool's name"), Type: r.Required("type", `the pool type ("dir")`)}
	if t, ok := r.Object("target"); ok {
		p.Path = t.Str("path")
	}
	if p.Type != "" && p.Type != "dir" {
		r.Fail("type", `must be "dir" (the only pool type hvnetlab's libvirt provider creates), got %q`, p.Type)
	}
	if p.Path == "" && !r.Unknown() {
		r.Fail("target.path", "is required for a dir pool: the folder on the host that holds the volumes")
	}
	r.Refuse("path", "source", "xml")
	return p
}

// volumeInputs are a Volume's inputs.
type volumeInputs struct {
	Name, Pool, Source, Format, BaseVolumeID string
	Size                                     uint64
}

func parseVolume(r providerkit.Reader) volumeInputs {
	v := volumeInputs{
		Name:         r.Required("name", "the volume's file name in its pool"),
		Pool:         r.Str("pool"),
		Source:       r.Str("source"),
		Format:       r.Str("format"),
		BaseVolumeID: r.Str("baseVolumeId"),
		Size:         uint64(r.Number("size", 1)),
	}
	if v.Pool == "" {
		v.Pool = "default"
	}
	if v.Format == "" {
		v.Format = "qcow2"
	}
	if v.Format != "qcow2" && v.Format != "raw" {
		r.Fail("format", `must be "qcow2" or "raw", got %q`, v.Format)
	}
	if v.Source != "" && v.BaseVolumeID != "" {
		r.Fail("source", "and baseVolumeId exclude each other: a volume is either uploaded or backed by another")
	}
	// As the official provider (v0.8.1 libvirt/resource_libvirt_volume.go): an uploaded volume's
	// size is the image's, so `size` with `source` is an error; an empty volume without `size`
	// is 1 byte (libvirt/volume_def.go newDefVolume).
	if v.Source != "" && v.Size != 0 {
		r.Fail("size", "cannot be given with source: an uploaded volume is the size of its image")
	}
	if v.Source == "" && v.BaseVolumeID == "" && v.Size == 0 {
		v.Size = 1
	}
	r.Refuse("baseVolumeName", "baseVolumePool", "xml")
	return v
}

// cloudInitInputs are a CloudInitDisk's inputs.
type cloudInitInputs struct {
	Name, Pool, UserData, MetaData, NetworkConfig string
}

func parseCloudInit(r providerkit.Reader) cloudInitInputs {
	c := cloudInitInputs{
		Name:          r.Required("name", "the ISO volume's name in its pool"),
		Pool:          r.Str("pool"),
		UserData:      r.Str("userData"),
		MetaData:      r.Str("metaData"),
		NetworkConfig: r.Str("networkConfig"),
	}
	if c.Pool == "" {
		c.Pool = "default"
	}
	return c
}

// domainNIC is one network interface of a domain.
type domainNIC struct {
	MAC, Bridge, Macvtap, Vepa, Passthrough string
}

// domainConsole is one console of a domain.
type domainConsole struct {
	Type, TargetPort, TargetType string
}

// domainInputs are a Domain's inputs, as far as this provider builds them.
type domainInputs struct {
	Name, Type, CPUMode, Kernel, Initrd, Cmdline, Machine, Arch, XSLT string
	CloudInit                                                         string
	VCPU, MemoryMiB                                                   uint
	Disks                                                             []string
	NICs                                                              []domainNIC
	Consoles                                                          []domainConsole
	Running, Autostart                                                bool
}

func parseDomain(r providerkit.Reader) domainInputs {
	d := domainInputs{
		Name:      r.Required("name", "the domain's name"),
		Type:      r.Str("type"),
		Kernel:    r.Str("kernel"),
		Initrd:    r.Str("initrd"),
		Machine:   r.Str("machine"),
		Arch:      r.Str("arch"),
		CloudInit: r.Str("cloudinit"),
		VCPU:      uint(r.Number("vcpu", 1)),
		MemoryMiB: uint(r.Number("memory", 1)),
		Running:   r.Boolean("running", true),
		Autostart: r.Boolean("autostart", false),
	}
	// Read for its type only: the guest-agent channel is in every domain (domainXML), and
	// upstream uses qemuAgent only to wait for a lease, which this provider refuses.
	r.Boolean("qemuAgent", false)
	if d.Type == "" {
		d.Type = "kvm"
	}
	if d.VCPU == 0 {
		d.VCPU = 1
	}
	if d.MemoryMiB == 0 {
		d.MemoryMiB = 512
	}
	if d.Arch == "" {
		d.Arch = "x86_64"
	}
	if c, ok := r.Object("cpu"); ok {
		d.CPUMode = c.Str("mode")
	}
	if x, ok := r.Object("xml"); ok {
		d.XSLT = x.Str("xslt")
	}
	// All the words sorted, as the official provider builds the line (see kernelCmdline).
	var maps []map[string]string
	for _, c := range r.List("cmdlines") {
		m := map[string]string{}
		for k := range c.M {
			m[string(k)] = c.Str(string(k))
		}
		maps = append(maps, m)
	}
	d.Cmdline = kernelCmdline(maps)
	for _, disk := range r.List("disks") {
		id := disk.Str("volumeId")
		if id == "" && !r.Unknown() {
			disk.Fail("volumeId", "is required: hvnetlab's libvirt provider attaches volumes only")
		}
		disk.Refuse("file", "url", "blockDevice", "scsi", "wwn")
		d.Disks = append(d.Disks, id)
	}
	for _, n := range r.List("networkInterfaces") {
		nic := domainNIC{MAC: n.Str("mac"), Bridge: n.Str("bridge"), Macvtap: n.Str("macvtap"), Vepa: n.Str("vepa"), Passthrough: n.Str("passthrough")}
		sources := 0
		for _, s := range []string{nic.Bridge, nic.Macvtap, nic.Vepa, nic.Passthrough} {
			if s != "" {
				sources++
			}
		}
		if sources != 1 && !r.Unknown() {
			n.Fail("bridge", "one of bridge, macvtap, vepa and passthrough must be set, and only one (got %d)", sources)
		}
		if n.Boolean("waitForLease", false) {
			n.Fail("waitForLease", "is not supported by hvnetlab's libvirt provider: give guests static addresses")
		}
		n.Refuse("networkName", "networkId", "hostname", "addresses")
		d.NICs = append(d.NICs, nic)
	}
	for _, c := range r.List("consoles") {
		d.Consoles = append(d.Consoles, domainConsole{Type: c.Required("type", `"pty"`), TargetPort: c.Str("targetPort"), TargetType: c.Str("targetType")})
	}
	switch d.Type {
	case "kvm", "qemu", "xen":
	default:
		r.Fail("type", `must be "kvm", "qemu" or "xen", got %q`, d.Type)
	}
	r.Refuse("filesystems", "graphics", "video", "tpm", "nvram", "firmware", "bootDevices", "coreosIgnition", "fwCfgName", "metadata", "emulator", "description")
	return d
}
