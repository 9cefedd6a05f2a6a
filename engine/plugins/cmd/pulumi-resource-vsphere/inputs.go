package main

import (
	"math"
	"regexp"
	"slices"
	"strings"

	"hvnetlab/engine/plugins/internal/providerkit"
)

// Resource types this provider serves, with the tokens of the @pulumi/vsphere 4.17.0 SDK.
const (
	vswitchType   = "vsphere:index/hostVirtualSwitch:HostVirtualSwitch"
	portGroupType = "vsphere:index/hostPortGroup:HostPortGroup"
	vmType        = "vsphere:index/virtualMachine:VirtualMachine"
)

// vswitchInputs are a HostVirtualSwitch's inputs.
type vswitchInputs struct {
	Name, HostSystemID                       string
	NetworkAdapters, ActiveNics, StandbyNics []string
	MTU, NumberOfPorts                       int
}

func parseVSwitch(r providerkit.Reader) vswitchInputs {
	s := vswitchInputs{
		Name:            r.Required("name", "the vSwitch's name"),
		HostSystemID:    r.Required("hostSystemId", "the host's id (getHost)"),
		NetworkAdapters: r.Strings("networkAdapters"),
		ActiveNics:      r.Strings("activeNics"),
		StandbyNics:     r.Strings("standbyNics"),
		MTU:             int(r.Number("mtu", 1)),
		NumberOfPorts:   int(r.Number("numberOfPorts", 1)),
	}
	if s.MTU == 0 {
		s.MTU = 1500
	}
	if s.NumberOfPorts == 0 {
		s.NumberOfPorts = 128
	}
	if len(s.NetworkAdapters) == 0 && !r.Unknown() {
		r.Fail("networkAdapters", "is required: the pNICs (vmnicN) the vSwitch bridges")
	}
	for _, a := range s.ActiveNics {
		if !slices.Contains(s.NetworkAdapters, a) {
			r.Fail("activeNics", "%s is not one of networkAdapters", a)
		}
	}
	r.Refuse("allowForgedTransmits", "allowMacChanges", "allowPromiscuous", "beaconInterval", "linkDiscoveryOperation", "linkDiscoveryProtocol", "teamingPolicy", "shapingEnabled")
	r.Only(vswitchKeys...)
	return s
}

// portGroupInputs are a HostPortGroup's inputs.
type portGroupInputs struct {
	Name, HostSystemID, VirtualSwitchName string
	VlanID                                int
}

func parsePortGroup(r providerkit.Reader) portGroupInputs {
	p := portGroupInputs{
		Name:              r.Required("name", "the port group's name"),
		HostSystemID:      r.Required("hostSystemId", "the host's id (getHost)"),
		VirtualSwitchName: r.Required("virtualSwitchName", "the vSwitch it is on"),
		VlanID:            int(r.Number("vlanId", 0)),
	}
	r.Refuse("allowForgedTransmits", "allowMacChanges", "allowPromiscuous", "activeNics", "standbyNics", "teamingPolicy", "shapingEnabled")
	r.Only(portGroupKeys...)
	return p
}

// The inputs each resource (and nested object) reads: any other input is refused (Reader.Only),
// never ignored. The schema this provider reports lists the same names.
var (
	vswitchKeys      = []string{"name", "hostSystemId", "networkAdapters", "activeNics", "standbyNics", "mtu", "numberOfPorts"}
	portGroupKeys    = []string{"name", "hostSystemId", "virtualSwitchName", "vlanId"}
	vmKeys           = []string{"name", "resourcePoolId", "hostSystemId", "datastoreId", "numCpus", "memory", "guestId", "scsiType", "firmware", "waitForGuestNetTimeout", "waitForGuestNetRoutable", "disks", "networkInterfaces", "clone"}
	nicKeys          = []string{"networkId", "adapterType"}
	diskKeys         = []string{"label", "size", "thinProvisioned", "eagerlyScrub"}
	cloneKeys        = []string{"templateUuid", "linkedClone", "customize"}
	customizeKeys    = []string{"linuxOptions", "ipv4Gateway", "networkInterfaces", "timeout"}
	linuxOptionsKeys = []string{"hostName", "domain", "scriptText", "timeZone", "hwClockUtc"}
	customizeNICKeys = []string{"ipv4Address", "ipv4Netmask"}
)

// Values and defaults of the official provider (terraform-provider-vsphere's virtual_machine
// resource: scsi_type, firmware, disk.thin_provisioned, disk.eagerly_scrub,
// wait_for_guest_net_timeout; clone.customize.timeout in
// vsphere/internal/vmworkflow/virtual_machine_clone_subresource.go; linux_options.time_zone in
// vsphere/internal/helper/guestoscustomizations/customizations_helper.go, v2.16.1).
var (
	scsiTypes = []string{"lsilogic", "lsilogic-sas", "pvscsi"}
	firmwares = []string{"bios", "efi"}
	// timeZonePattern is what the official provider accepts as linux_options.time_zone.
	timeZonePattern = regexp.MustCompile(`^[-+/_a-zA-Z0-9]+$`)
)

const (
	defaultSCSIType               = "pvscsi"
	defaultFirmware               = "bios"
	defaultWaitForGuestNetMinutes = 5
	defaultCustomizeMinutes       = 10
)

type nicInputs struct{ NetworkID, AdapterType string }

// diskInputs are one disk of the clone, matched by position to the template's disks (ordered by
// SCSI bus and unit).
type diskInputs struct {
	Label   string
	SizeGiB int
	// Thin and Eager are the disk's provisioning: thin, else thick lazily (Eager false) or
	// eagerly zeroed. They are set on the clone's disk locators (VirtualMachineRelocateSpecDiskLocator).
	Thin, Eager bool
}

type customizeNIC struct {
	IPv4Address string
	IPv4Netmask int
}

type customizeInputs struct {
	HostName, Domain, ScriptText, IPv4Gateway string
	// TimeZone is the Linux guest's time zone (America/Los_Angeles style); empty leaves it.
	TimeZone string
	// HwClockUTC: the guest's hardware clock keeps UTC (official default true).
	HwClockUTC bool
	NICs       []customizeNIC
	// TimeoutMinutes is how long Create waits after power-on for the customization's outcome
	// (clone.customize.timeout, official default 10); below 1, not at all.
	TimeoutMinutes int
}

type cloneInputs struct {
	TemplateUUID string
	// Linked makes a linked clone: child disks of the template's current (and only) snapshot.
	Linked    bool
	Customize *customizeInputs
}

// vmInputs are a VirtualMachine's inputs, as far as a clone from a template needs them.
type vmInputs struct {
	Name, ResourcePoolID, HostSystemID, DatastoreID, GuestID string
	NumCPUs, MemoryMiB                                       int
	// SCSIType is the SCSI controllers' type (lsilogic, lsilogic-sas or pvscsi); Firmware is bios or efi.
	SCSIType, Firmware string
	// WaitForGuestNetMinutes is how long Create waits for the guest to report an IP address; below 1, not at all.
	WaitForGuestNetMinutes int
	// WaitForGuestNetRoutable: the waiter also wants a default gateway (official default true).
	WaitForGuestNetRoutable bool
	NICs                    []nicInputs
	Disks                   []diskInputs
	Clone                   cloneInputs
}

func parseVM(r providerkit.Reader) vmInputs {
	vm := vmInputs{
		Name:                    r.Required("name", "the VM's name"),
		ResourcePoolID:          r.Required("resourcePoolId", "the resource pool (getHost's resourcePoolId)"),
		HostSystemID:            r.Str("hostSystemId"),
		DatastoreID:             r.Str("datastoreId"),
		GuestID:                 r.Str("guestId"),
		NumCPUs:                 int(r.Number("numCpus", 1)),
		MemoryMiB:               int(r.Number("memory", 1)),
		SCSIType:                oneOf(r, "scsiType", defaultSCSIType, scsiTypes),
		Firmware:                oneOf(r, "firmware", defaultFirmware, firmwares),
		WaitForGuestNetMinutes:  defaultWaitForGuestNetMinutes,
		WaitForGuestNetRoutable: r.Boolean("waitForGuestNetRoutable", true),
	}
	if _, ok := r.Value("waitForGuestNetTimeout"); ok {
		vm.WaitForGuestNetMinutes = int(r.Number("waitForGuestNetTimeout", math.MinInt32))
	}
	r.Only(vmKeys...)
	for _, n := range r.List("networkInterfaces") {
		nic := nicInputs{NetworkID: n.Required("networkId", "the network's id (getNetwork)"), AdapterType: n.Str("adapterType")}
		if nic.AdapterType == "" {
			nic.AdapterType = "vmxnet3"
		}
		n.Only(nicKeys...)
		vm.NICs = append(vm.NICs, nic)
	}
	for _, d := range r.List("disks") {
		disk := diskInputs{
			Label: d.Required("label", "the disk's label"), SizeGiB: int(d.Number("size", 1)),
			Thin: d.Boolean("thinProvisioned", true), Eager: d.Boolean("eagerlyScrub", false),
		}
		if disk.Thin && disk.Eager {
			d.Fail("eagerlyScrub", "cannot be true on a thin-provisioned disk: set thinProvisioned to false for an eagerly zeroed thick disk")
		}
		d.Only(diskKeys...)
		vm.Disks = append(vm.Disks, disk)
	}
	c, ok := r.Object("clone")
	if !ok {
		if !r.Unknown() {
			r.Fail("clone", "is required: hvnetlab's vSphere provider creates VMs by cloning a template")
		}
		return vm
	}
	vm.Clone.TemplateUUID = c.Required("templateUuid", "the template's UUID (getVirtualMachine's id)")
	vm.Clone.Linked = c.Boolean("linkedClone", false)
	c.Only(cloneKeys...)
	if cz, ok := c.Object("customize"); ok {
		custom := &customizeInputs{IPv4Gateway: cz.Str("ipv4Gateway"), HwClockUTC: true, TimeoutMinutes: defaultCustomizeMinutes}
		if _, ok := cz.Value("timeout"); ok {
			custom.TimeoutMinutes = int(cz.Number("timeout", math.MinInt32))
		}
		cz.Only(customizeKeys...)
		if lo, ok := cz.Object("linuxOptions"); ok {
			custom.HostName = lo.Required("hostName", "the guest's host name")
			custom.Domain = lo.Required("domain", "the guest's domain")
			custom.ScriptText = lo.Str("scriptText")
			custom.TimeZone = lo.Str("timeZone")
			if custom.TimeZone != "" && !timeZonePattern.MatchString(custom.TimeZone) {
				lo.Fail("timeZone", "must be similar to America/Los_Angeles or other Linux/Unix TZ format, got %q", custom.TimeZone)
			}
			custom.HwClockUTC = lo.Boolean("hwClockUtc", true)
			lo.Only(linuxOptionsKeys...)
		}
		for _, n := range cz.List("networkInterfaces") {
			custom.NICs = append(custom.NICs, customizeNIC{IPv4Address: n.Str("ipv4Address"), IPv4Netmask: int(n.Number("ipv4Netmask", 0))})
			n.Only(customizeNICKeys...)
		}
		vm.Clone.Customize = custom
	}
	return vm
}

// oneOf reads an optional string input that must be one of allowed; dflt when it is absent.
func oneOf(r providerkit.Reader, key, dflt string, allowed []string) string {
	if val, ok := r.Value(key); !ok || !val.IsString() {
		_ = r.Str(key) // names a value that is not a string
		return dflt
	}
	v := r.Str(key)
	if !slices.Contains(allowed, v) {
		r.Fail(key, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	}
	return v
}
