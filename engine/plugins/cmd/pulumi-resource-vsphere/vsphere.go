package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// vcenter is the provider's one session with vCenter (or ESXi), opened on first use.
type vcenter struct {
	server, user, password string
	insecure               bool

	mu     sync.Mutex
	client *govmomi.Client
}

func (v *vcenter) get(ctx context.Context) (*govmomi.Client, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.client != nil {
		return v.client, nil
	}
	if v.server == "" || v.user == "" {
		return nil, errors.New("the vSphere provider needs vsphereServer, user and password")
	}
	u, err := url.Parse("https://" + v.server + "/sdk")
	if err != nil {
		return nil, fmt.Errorf("vsphereServer %q: %w", v.server, err)
	}
	u.User = url.UserPassword(v.user, v.password)
	c, err := govmomi.NewClient(ctx, u, v.insecure)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), v.password, "REDACTED")
		if strings.Contains(msg, "incorrect user name or password") || strings.Contains(msg, "InvalidLogin") || strings.Contains(msg, "Login failure") {
			return nil, fmt.Errorf("vCenter %s refused the login of %s: check hvnetlab:vsphere.user and the secret hvnetlab:vspherePassword", v.server, v.user)
		}
		if strings.Contains(msg, "certificate") {
			return nil, fmt.Errorf("vCenter %s: %s (trust its certificate, or set vsphere.allowUnverifiedSsl for a lab vCenter)", v.server, msg)
		}
		return nil, fmt.Errorf("cannot reach vCenter %s: %s", v.server, msg)
	}
	v.client = c
	return c, nil
}

func (v *vcenter) close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.client != nil {
		_ = v.client.Logout(context.Background())
		v.client = nil
	}
}

func ref(kind, id string) types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: kind, Value: id}
}

// finder looks objects up by name inside one datacenter (by its managed object id).
func finder(ctx context.Context, c *govmomi.Client, datacenterID string) (*find.Finder, error) {
	f := find.NewFinder(c.Client, false)
	if datacenterID != "" {
		f.SetDatacenter(object.NewDatacenter(c.Client, ref("Datacenter", datacenterID)))
	}
	return f, nil
}

// hostNetwork is the network system of the host whose id (managed object id) is given.
func hostNetwork(ctx context.Context, c *govmomi.Client, hostID string) (*object.HostNetworkSystem, error) {
	host := object.NewHostSystem(c.Client, ref("HostSystem", hostID))
	ns, err := host.ConfigManager().NetworkSystem(ctx)
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", hostID, err)
	}
	return ns, nil
}

func createVirtualSwitch(ctx context.Context, c *govmomi.Client, s vswitchInputs) (string, error) {
	ns, err := hostNetwork(ctx, c, s.HostSystemID)
	if err != nil {
		return "", err
	}
	spec := types.HostVirtualSwitchSpec{
		NumPorts: int32(s.NumberOfPorts),
		Mtu:      int32(s.MTU),
		Bridge:   &types.HostVirtualSwitchBondBridge{NicDevice: s.NetworkAdapters},
		Policy: &types.HostNetworkPolicy{NicTeaming: &types.HostNicTeamingPolicy{
			NicOrder: &types.HostNicOrderPolicy{ActiveNic: s.ActiveNics, StandbyNic: s.StandbyNics},
		}},
	}
	if err := ns.AddVirtualSwitch(ctx, s.Name, &spec); err != nil {
		return "", fmt.Errorf("adding vSwitch %s on host %s: %w", s.Name, s.HostSystemID, err)
	}
	return fmt.Sprintf("tf-HostVirtualSwitch:%s:%s", s.HostSystemID, s.Name), nil
}

func deleteVirtualSwitch(ctx context.Context, c *govmomi.Client, hostID, name string) error {
	ns, err := hostNetwork(ctx, c, hostID)
	if err != nil {
		return err
	}
	if err := ns.RemoveVirtualSwitch(ctx, name); err != nil && !isNotFound(err) {
		return fmt.Errorf("removing vSwitch %s: %w", name, err)
	}
	return nil
}

func createPortGroup(ctx context.Context, c *govmomi.Client, p portGroupInputs) (string, error) {
	ns, err := hostNetwork(ctx, c, p.HostSystemID)
	if err != nil {
		return "", err
	}
	spec := types.HostPortGroupSpec{Name: p.Name, VswitchName: p.VirtualSwitchName, VlanId: int32(p.VlanID), Policy: types.HostNetworkPolicy{}}
	if err := ns.AddPortGroup(ctx, spec); err != nil {
		return "", fmt.Errorf("adding port group %s on vSwitch %s: %w", p.Name, p.VirtualSwitchName, err)
	}
	return fmt.Sprintf("tf-HostPortGroup:%s:%s", p.HostSystemID, p.Name), nil
}

func deletePortGroup(ctx context.Context, c *govmomi.Client, hostID, name string) error {
	ns, err := hostNetwork(ctx, c, hostID)
	if err != nil {
		return err
	}
	if err := ns.RemovePortGroup(ctx, name); err != nil && !isNotFound(err) {
		return fmt.Errorf("removing port group %s: %w", name, err)
	}
	return nil
}

func isNotFound(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "NotFound") || strings.Contains(err.Error(), "not found") || strings.Contains(err.Error(), "has already been deleted"))
}

// vmOutputs are what a created VM adds to its state.
type vmOutputs struct {
	UUID, Moid, DefaultIPAddress string
}

// createVM clones the template (by UUID) into the datacenter's VM folder on the resource pool,
// host and datastore given: CPUs, memory and guest id set; the template's NICs replaced by the
// planned ones (in order); the first disk grown to its planned size; the customization's host
// name, domain, script and per-NIC static addresses applied; powered on.
func createVM(ctx context.Context, c *govmomi.Client, in vmInputs) (vmOutputs, error) {
	pool := object.NewResourcePool(c.Client, ref("ResourcePool", in.ResourcePoolID))
	var poolMo mo.ResourcePool
	if err := pool.Properties(ctx, pool.Reference(), []string{"owner"}, &poolMo); err != nil {
		return vmOutputs{}, fmt.Errorf("resourcePoolId %s: %w", in.ResourcePoolID, err)
	}
	dc, err := datacenterOf(ctx, c, poolMo.Owner)
	if err != nil {
		return vmOutputs{}, err
	}
	tmplRef, err := object.NewSearchIndex(c.Client).FindByUuid(ctx, object.NewDatacenter(c.Client, dc), in.Clone.TemplateUUID, true, nil)
	if err != nil || tmplRef == nil {
		return vmOutputs{}, fmt.Errorf("clone.templateUuid %s: no such template in the datacenter (%v)", in.Clone.TemplateUUID, err)
	}
	tmpl := object.NewVirtualMachine(c.Client, tmplRef.Reference())
	devices, err := tmpl.Device(ctx)
	if err != nil {
		return vmOutputs{}, err
	}
	var changes []types.BaseVirtualDeviceConfigSpec
	for _, nic := range devices.SelectByType((*types.VirtualEthernetCard)(nil)) {
		changes = append(changes, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: nic})
	}
	for i, n := range in.NICs {
		backing, err := object.NewReference(c.Client, networkRef(n.NetworkID)).(object.NetworkReference).EthernetCardBackingInfo(ctx)
		if err != nil {
			return vmOutputs{}, fmt.Errorf("networkInterfaces[%d].networkId %s: %w", i, n.NetworkID, err)
		}
		card, err := object.EthernetCardTypes().CreateEthernetCard(n.AdapterType, backing)
		if err != nil {
			return vmOutputs{}, fmt.Errorf("networkInterfaces[%d].adapterType %s: %w", i, n.AdapterType, err)
		}
		card.GetVirtualDevice().Key = int32(-100 - i)
		changes = append(changes, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: card})
	}
	if disks := devices.SelectByType((*types.VirtualDisk)(nil)); len(disks) > 0 && len(in.Disks) > 0 {
		disk := disks[0].(*types.VirtualDisk)
		want := int64(in.Disks[0].SizeGiB) * 1024 * 1024
		if want > disk.CapacityInKB {
			disk.CapacityInKB = want
			disk.CapacityInBytes = want * 1024
			changes = append(changes, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: disk})
		}
	}
	host := ref("HostSystem", in.HostSystemID)
	ds := ref("Datastore", in.DatastoreID)
	poolRef := pool.Reference()
	spec := types.VirtualMachineCloneSpec{
		Location: types.VirtualMachineRelocateSpec{Pool: &poolRef, DeviceChange: changes},
		Config:   &types.VirtualMachineConfigSpec{NumCPUs: int32(in.NumCPUs), MemoryMB: int64(in.MemoryMiB), GuestId: in.GuestID},
		PowerOn:  true,
	}
	if in.HostSystemID != "" {
		spec.Location.Host = &host
	}
	if in.DatastoreID != "" {
		spec.Location.Datastore = &ds
	}
	if cz := in.Clone.Customize; cz != nil {
		spec.Customization = customization(*cz)
	}
	folders, err := object.NewDatacenter(c.Client, dc.Reference()).Folders(ctx)
	if err != nil {
		return vmOutputs{}, err
	}
	task, err := tmpl.Clone(ctx, folders.VmFolder, in.Name, spec)
	if err != nil {
		return vmOutputs{}, fmt.Errorf("cloning %s: %w", in.Name, err)
	}
	info, err := task.WaitForResult(ctx, nil)
	if err != nil {
		return vmOutputs{}, fmt.Errorf("cloning %s: %w", in.Name, err)
	}
	vm := object.NewVirtualMachine(c.Client, info.Result.(types.ManagedObjectReference))
	// Like the upstream provider: the shape is set by a reconfigure after the clone, and the VM
	// powered on if the clone did not (vcsim, for one, keeps the template's shape on a clone).
	if err := settle(ctx, vm, in); err != nil {
		_ = deleteVM(ctx, c, vm.Reference().Value)
		return vmOutputs{}, err
	}
	var vmMo mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"config.uuid", "guest.ipAddress"}, &vmMo); err != nil {
		return vmOutputs{}, err
	}
	out := vmOutputs{Moid: vm.Reference().Value}
	if vmMo.Config != nil {
		out.UUID = vmMo.Config.Uuid
	}
	if vmMo.Guest != nil {
		out.DefaultIPAddress = vmMo.Guest.IpAddress
	}
	return out, nil
}

// settle gives a fresh clone its CPUs, memory and guest id, and powers it on.
func settle(ctx context.Context, vm *object.VirtualMachine, in vmInputs) error {
	task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: int32(in.NumCPUs), MemoryMB: int64(in.MemoryMiB), GuestId: in.GuestID})
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		return fmt.Errorf("reconfiguring %s: %w", in.Name, err)
	}
	state, err := vm.PowerState(ctx)
	if err != nil || state == types.VirtualMachinePowerStatePoweredOn {
		return err
	}
	task, err = vm.PowerOn(ctx)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		return fmt.Errorf("powering on %s: %w", in.Name, err)
	}
	return nil
}

func customization(cz customizeInputs) *types.CustomizationSpec {
	spec := &types.CustomizationSpec{
		Identity: &types.CustomizationLinuxPrep{
			HostName:   &types.CustomizationFixedName{Name: cz.HostName},
			Domain:     cz.Domain,
			ScriptText: cz.ScriptText,
		},
		GlobalIPSettings: types.CustomizationGlobalIPSettings{},
	}
	for _, n := range cz.NICs {
		adapter := types.CustomizationIPSettings{Ip: &types.CustomizationDhcpIpGenerator{}}
		if n.IPv4Address != "" {
			adapter.Ip = &types.CustomizationFixedIp{IpAddress: n.IPv4Address}
			adapter.SubnetMask = netmask(n.IPv4Netmask)
			if cz.IPv4Gateway != "" {
				adapter.Gateway = []string{cz.IPv4Gateway}
			}
		}
		spec.NicSettingMap = append(spec.NicSettingMap, types.CustomizationAdapterMapping{Adapter: adapter})
	}
	return spec
}

// netmask is the dotted form of a prefix length.
func netmask(prefix int) string {
	m := uint32(0xffffffff) << (32 - prefix)
	if prefix == 0 {
		m = 0
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
}

// networkRef is the reference of a network by its managed object id (a distributed port group's
// ids start with "dvportgroup-").
func networkRef(id string) types.ManagedObjectReference {
	if strings.HasPrefix(id, "dvportgroup-") {
		return ref("DistributedVirtualPortgroup", id)
	}
	return ref("Network", id)
}

func datacenterOf(ctx context.Context, c *govmomi.Client, r types.ManagedObjectReference) (types.ManagedObjectReference, error) {
	for r.Type != "Datacenter" {
		var e mo.ManagedEntity
		if err := object.NewCommon(c.Client, r).Properties(ctx, r, []string{"parent"}, &e); err != nil || e.Parent == nil {
			return r, fmt.Errorf("cannot find the datacenter of %s: %v", r.Value, err)
		}
		r = *e.Parent
	}
	return r, nil
}

// deleteVM powers the VM off and destroys it; a VM that is gone is fine.
func deleteVM(ctx context.Context, c *govmomi.Client, moid string) error {
	vm := object.NewVirtualMachine(c.Client, ref("VirtualMachine", moid))
	state, err := vm.PowerState(ctx)
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return err
	}
	if state == types.VirtualMachinePowerStatePoweredOn {
		if task, err := vm.PowerOff(ctx); err == nil {
			_ = task.Wait(ctx)
		}
	}
	task, err := vm.Destroy(ctx)
	if err != nil {
		return fmt.Errorf("destroying VM %s: %w", moid, err)
	}
	return task.Wait(ctx)
}
