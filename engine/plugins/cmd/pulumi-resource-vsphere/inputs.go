package main

import (
	"slices"

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
	return p
}

type nicInputs struct{ NetworkID, AdapterType string }

type diskInputs struct {
	Label   string
	SizeGiB int
}

type customizeNIC struct {
	IPv4Address string
	IPv4Netmask int
}

type customizeInputs struct {
	HostName, Domain, ScriptText, IPv4Gateway string
	NICs                                      []customizeNIC
}

type cloneInputs struct {
	TemplateUUID string
	Customize    *customizeInputs
}

// vmInputs are a VirtualMachine's inputs, as far as a clone from a template needs them.
type vmInputs struct {
	Name, ResourcePoolID, HostSystemID, DatastoreID, GuestID string
	NumCPUs, MemoryMiB                                       int
	NICs                                                     []nicInputs
	Disks                                                    []diskInputs
	Clone                                                    cloneInputs
}

func parseVM(r providerkit.Reader) vmInputs {
	vm := vmInputs{
		Name:           r.Required("name", "the VM's name"),
		ResourcePoolID: r.Required("resourcePoolId", "the resource pool (getHost's resourcePoolId)"),
		HostSystemID:   r.Str("hostSystemId"),
		DatastoreID:    r.Str("datastoreId"),
		GuestID:        r.Str("guestId"),
		NumCPUs:        int(r.Number("numCpus", 1)),
		MemoryMiB:      int(r.Number("memory", 1)),
	}
	_ = r.Str("scsiType")
	_ = r.Str("firmware")
	_ = r.Number("waitForGuestNetTimeout", -1)
	for _, n := range r.List("networkInterfaces") {
		nic := nicInputs{NetworkID: n.Required("networkId", "the network's id (getNetwork)"), AdapterType: n.Str("adapterType")}
		if nic.AdapterType == "" {
			nic.AdapterType = "vmxnet3"
		}
		vm.NICs = append(vm.NICs, nic)
	}
	for _, d := range r.List("disks") {
		_ = d.Boolean("thinProvisioned", true)
		_ = d.Boolean("eagerlyScrub", false)
		vm.Disks = append(vm.Disks, diskInputs{Label: d.Required("label", "the disk's label"), SizeGiB: int(d.Number("size", 1))})
	}
	c, ok := r.Object("clone")
	if !ok {
		if !r.Unknown() {
			r.Fail("clone", "is required: hvnetlab's vSphere provider creates VMs by cloning a template")
		}
		return vm
	}
	vm.Clone.TemplateUUID = c.Required("templateUuid", "the template's UUID (getVirtualMachine's id)")
	_ = c.Boolean("linkedClone", false)
	if cz, ok := c.Object("customize"); ok {
		custom := &customizeInputs{IPv4Gateway: cz.Str("ipv4Gateway")}
		if lo, ok := cz.Object("linuxOptions"); ok {
			custom.HostName = lo.Required("hostName", "the guest's host name")
			custom.Domain = lo.Required("domain", "the guest's domain")
			custom.ScriptText = lo.Str("scriptText")
		}
		for _, n := range cz.List("networkInterfaces") {
			custom.NICs = append(custom.NICs, customizeNIC{IPv4Address: n.Str("ipv4Address"), IPv4Netmask: int(n.Number("ipv4Netmask", 0))})
		}
		vm.Clone.Customize = custom
	}
	return vm
}
