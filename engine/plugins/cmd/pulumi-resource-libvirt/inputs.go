package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Resource types this provider serves, with the tokens of the @pulumi/libvirt 0.5.4 SDK.
const (
	poolType          = "libvirt:index/pool:Pool"
	volumeType        = "libvirt:index/volume:Volume"
	cloudInitDiskType = "libvirt:index/cloudInitDisk:CloudInitDisk"
	domainType        = "libvirt:index/domain:Domain"
)

// reader reads typed inputs from a property map and collects every problem, each naming the
// property. Unknown values (a preview) leave their field unset and set unknown.
type reader struct {
	m        resource.PropertyMap
	prefix   string
	failures *[]*pulumirpc.CheckFailure
	unknown  *bool
}

func newReader(m resource.PropertyMap) reader {
	return reader{m: m, failures: &[]*pulumirpc.CheckFailure{}, unknown: new(bool)}
}

func (r reader) fail(key, format string, args ...any) {
	*r.failures = append(*r.failures, &pulumirpc.CheckFailure{Property: r.prefix + key, Reason: r.prefix + key + " " + fmt.Sprintf(format, args...)})
}

// value is the property's value, unwrapped from a secret; ok is false when it is absent, null or
// unknown.
func (r reader) value(key string) (resource.PropertyValue, bool) {
	v, ok := r.m[resource.PropertyKey(key)]
	if ok && v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !ok || v.IsNull() {
		return v, false
	}
	if v.ContainsUnknowns() {
		*r.unknown = true
		return v, false
	}
	return v, true
}

func (r reader) str(key string) string {
	v, ok := r.value(key)
	if !ok {
		return ""
	}
	if !v.IsString() {
		r.fail(key, "must be a string, got %s", v.TypeString())
		return ""
	}
	return v.StringValue()
}

func (r reader) required(key, what string) string {
	s := r.str(key)
	if _, ok := r.value(key); !ok && !*r.unknown {
		r.fail(key, "is required: %s", what)
	}
	return s
}

func (r reader) number(key string, least float64) float64 {
	v, ok := r.value(key)
	if !ok {
		return 0
	}
	// Non-string inputs may arrive JSON-encoded, as the official SDKs send them.
	if v.IsString() {
		var f float64
		if _, err := fmt.Sscan(v.StringValue(), &f); err == nil {
			v = resource.NewProperty(f)
		}
	}
	if !v.IsNumber() || v.NumberValue() < least || v.NumberValue() != float64(int64(v.NumberValue())) {
		r.fail(key, "must be a whole number of at least %v, got %v", least, v)
		return 0
	}
	return v.NumberValue()
}

func (r reader) boolean(key string, dflt bool) bool {
	v, ok := r.value(key)
	if !ok {
		return dflt
	}
	if v.IsString() && (v.StringValue() == "true" || v.StringValue() == "false") {
		return v.StringValue() == "true"
	}
	if !v.IsBool() {
		r.fail(key, "must be a boolean, got %s", v.TypeString())
		return dflt
	}
	return v.BoolValue()
}

// object reads a nested object; ok is false when it is absent or unknown.
func (r reader) object(key string) (reader, bool) {
	v, ok := r.value(key)
	if !ok {
		return reader{}, false
	}
	if !v.IsObject() {
		r.fail(key, "must be an object, got %s", v.TypeString())
		return reader{}, false
	}
	return reader{m: v.ObjectValue(), prefix: r.prefix + key + ".", failures: r.failures, unknown: r.unknown}, true
}

// list reads a list of objects.
func (r reader) list(key string) []reader {
	v, ok := r.value(key)
	if !ok {
		return nil
	}
	if !v.IsArray() {
		r.fail(key, "must be a list, got %s", v.TypeString())
		return nil
	}
	var out []reader
	for i, e := range v.ArrayValue() {
		if e.IsSecret() {
			e = e.SecretValue().Element
		}
		if e.ContainsUnknowns() {
			*r.unknown = true
			continue
		}
		if !e.IsObject() {
			r.fail(fmt.Sprintf("%s[%d]", key, i), "must be an object, got %s", e.TypeString())
			continue
		}
		out = append(out, reader{m: e.ObjectValue(), prefix: fmt.Sprintf("%s%s[%d].", r.prefix, key, i), failures: r.failures, unknown: r.unknown})
	}
	return out
}

// refuse fails on inputs of the official schema that this provider does not implement.
func (r reader) refuse(keys ...string) {
	for _, k := range keys {
		if _, ok := r.value(k); ok {
			r.fail(k, "is not supported by hvnetlab's libvirt provider")
		}
	}
}

// poolInputs are a Pool's inputs: only directory pools.
type poolInputs struct {
	Name, Type, Path string
}

func parsePool(r reader) poolInputs {
	p := poolInputs{Name: r.required("name", "the storage pool's name"), Type: r.required("type", `the pool type ("dir")`)}
	if t, ok := r.object("target"); ok {
		p.Path = t.str("path")
	}
	if p.Type != "" && p.Type != "dir" {
		r.fail("type", `must be "dir" (the only pool type hvnetlab's libvirt provider creates), got %q`, p.Type)
	}
	if p.Path == "" && !*r.unknown {
		r.fail("target.path", "is required for a dir pool: the folder on the host that holds the volumes")
	}
	r.refuse("path", "source", "xml")
	return p
}

// volumeInputs are a Volume's inputs.
type volumeInputs struct {
	Name, Pool, Source, Format, BaseVolumeID string
	Size                                     uint64
}

func parseVolume(r reader) volumeInputs {
	v := volumeInputs{
		Name:         r.required("name", "the volume's file name in its pool"),
		Pool:         r.str("pool"),
		Source:       r.str("source"),
		Format:       r.str("format"),
		BaseVolumeID: r.str("baseVolumeId"),
		Size:         uint64(r.number("size", 1)),
	}
	if v.Pool == "" {
		v.Pool = "default"
	}
	if v.Format == "" {
		v.Format = "qcow2"
	}
	if v.Format != "qcow2" && v.Format != "raw" {
		r.fail("format", `must be "qcow2" or "raw", got %q`, v.Format)
	}
	if v.Source != "" && v.BaseVolumeID != "" {
		r.fail("source", "and baseVolumeId exclude each other: a volume is either uploaded or backed by another")
	}
	if v.Source == "" && v.BaseVolumeID == "" && v.Size == 0 && !*r.unknown {
		r.fail("size", "is required for an empty volume (no source and no baseVolumeId)")
	}
	r.refuse("baseVolumeName", "baseVolumePool", "xml")
	return v
}

// cloudInitInputs are a CloudInitDisk's inputs.
type cloudInitInputs struct {
	Name, Pool, UserData, MetaData, NetworkConfig string
}

func parseCloudInit(r reader) cloudInitInputs {
	c := cloudInitInputs{
		Name:          r.required("name", "the ISO volume's name in its pool"),
		Pool:          r.str("pool"),
		UserData:      r.str("userData"),
		MetaData:      r.str("metaData"),
		NetworkConfig: r.str("networkConfig"),
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
	CloudInit                                                    string
	VCPU, MemoryMiB                                              uint
	Disks                                                        []string
	NICs                                                         []domainNIC
	Consoles                                                     []domainConsole
	Running, Autostart, QemuAgent                                bool
}

func parseDomain(r reader) domainInputs {
	d := domainInputs{
		Name:      r.required("name", "the domain's name"),
		Type:      r.str("type"),
		Kernel:    r.str("kernel"),
		Initrd:    r.str("initrd"),
		Machine:   r.str("machine"),
		Arch:      r.str("arch"),
		CloudInit: r.str("cloudinit"),
		VCPU:      uint(r.number("vcpu", 1)),
		MemoryMiB: uint(r.number("memory", 1)),
		Running:   r.boolean("running", true),
		Autostart: r.boolean("autostart", false),
		QemuAgent: r.boolean("qemuAgent", false),
	}
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
	if c, ok := r.object("cpu"); ok {
		d.CPUMode = c.str("mode")
	}
	if x, ok := r.object("xml"); ok {
		d.XSLT = x.str("xslt")
	}
	// The maps keep their order; within one, Go maps have none, so keys are sorted.
	var words []string
	for _, c := range r.list("cmdlines") {
		keys := make([]string, 0, len(c.m))
		for k := range c.m {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		for _, k := range keys {
			words = append(words, cmdlineWord(k, c.str(k)))
		}
	}
	d.Cmdline = strings.Join(words, " ")
	for _, disk := range r.list("disks") {
		id := disk.str("volumeId")
		if id == "" && !*r.unknown {
			disk.fail("volumeId", "is required: hvnetlab's libvirt provider attaches volumes only")
		}
		disk.refuse("file", "url", "blockDevice", "scsi", "wwn")
		d.Disks = append(d.Disks, id)
	}
	for _, n := range r.list("networkInterfaces") {
		nic := domainNIC{MAC: n.str("mac"), Bridge: n.str("bridge"), Macvtap: n.str("macvtap"), Vepa: n.str("vepa"), Passthrough: n.str("passthrough")}
		sources := 0
		for _, s := range []string{nic.Bridge, nic.Macvtap, nic.Vepa, nic.Passthrough} {
			if s != "" {
				sources++
			}
		}
		if sources != 1 && !*r.unknown {
			n.fail("bridge", "one of bridge, macvtap, vepa and passthrough must be set, and only one (got %d)", sources)
		}
		if n.boolean("waitForLease", false) {
			n.fail("waitForLease", "is not supported by hvnetlab's libvirt provider: give guests static addresses")
		}
		n.refuse("networkName", "networkId", "hostname", "addresses")
		d.NICs = append(d.NICs, nic)
	}
	for _, c := range r.list("consoles") {
		d.Consoles = append(d.Consoles, domainConsole{Type: c.required("type", `"pty"`), TargetPort: c.str("targetPort"), TargetType: c.str("targetType")})
	}
	switch d.Type {
	case "kvm", "qemu", "xen":
	default:
		r.fail("type", `must be "kvm", "qemu" or "xen", got %q`, d.Type)
	}
	r.refuse("filesystems", "graphics", "video", "tpm", "nvram", "firmware", "bootDevices", "coreosIgnition", "fwCfgName", "metadata", "emulator", "description")
	return d
}

// cmdlineWord is one kernel command-line word of the SDK's cmdlines maps ("_" is a bare value).
func cmdlineWord(k, v string) string {
	if k == "_" {
		return v
	}
	return k + "=" + v
}

