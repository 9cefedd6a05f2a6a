package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25"
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

// templateState is what a clone needs to know of its template: its devices and snapshots.
type templateState struct {
	UUID     string
	Devices  object.VirtualDeviceList
	Snapshot *types.VirtualMachineSnapshotInfo
}

// templateDisks are the template's virtual disks in the order the official provider matches them
// to the `disks` inputs: by SCSI bus number, then unit number.
func templateDisks(devices object.VirtualDeviceList) []*types.VirtualDisk {
	var disks []*types.VirtualDisk
	for _, d := range devices.SelectByType((*types.VirtualDisk)(nil)) {
		disks = append(disks, d.(*types.VirtualDisk))
	}
	at := func(d *types.VirtualDisk) (int32, int32) {
		bus, unit := int32(0), int32(0)
		if c, ok := devices.FindByKey(d.ControllerKey).(types.BaseVirtualController); ok {
			bus = c.GetVirtualController().BusNumber
		}
		if d.UnitNumber != nil {
			unit = *d.UnitNumber
		}
		return bus, unit
	}
	sort.SliceStable(disks, func(i, j int) bool {
		bi, ui := at(disks[i])
		bj, uj := at(disks[j])
		return bi < bj || bi == bj && ui < uj
	})
	return disks
}

// diskGiB is a disk's capacity in whole GiB.
func diskGiB(d *types.VirtualDisk) int {
	if d.CapacityInBytes > 0 {
		return int(d.CapacityInBytes >> 30)
	}
	return int(d.CapacityInKB >> 20)
}

// provisioning is a disk backing's thin and eagerly-scrub flags (unset reads as false).
func provisioning(d *types.VirtualDisk) (thin, eager bool, backing *types.VirtualDiskFlatVer2BackingInfo) {
	b, ok := d.Backing.(*types.VirtualDiskFlatVer2BackingInfo)
	if !ok {
		return false, false, nil
	}
	return b.ThinProvisioned != nil && *b.ThinProvisioned, b.EagerlyScrub != nil && *b.EagerlyScrub, b
}

// linkedCloneSnapshot is the snapshot a linked clone is made from: the template must have exactly
// one root snapshot, without children, and it must be the current one (the official provider's
// rule, so that the choice is never ambiguous).
func linkedCloneSnapshot(t templateState) (*types.ManagedObjectReference, error) {
	s := t.Snapshot
	switch {
	case s == nil || len(s.RootSnapshotList) == 0:
		return nil, fmt.Errorf("clone.linkedClone: template %s has no snapshot; a linked clone is made from the template's one snapshot (take one, or set linkedClone false)", t.UUID)
	case len(s.RootSnapshotList) != 1:
		return nil, fmt.Errorf("clone.linkedClone: template %s must have exactly one root snapshot, it has %d", t.UUID, len(s.RootSnapshotList))
	case len(s.RootSnapshotList[0].ChildSnapshotList) > 0:
		return nil, fmt.Errorf("clone.linkedClone: the root snapshot of template %s must have no children", t.UUID)
	case s.CurrentSnapshot == nil || s.CurrentSnapshot.Value != s.RootSnapshotList[0].Snapshot.Value:
		return nil, fmt.Errorf("clone.linkedClone: the current snapshot of template %s must be its root snapshot", t.UUID)
	}
	return s.CurrentSnapshot, nil
}

// cloneSpec is the spec of the clone itself, as the official provider builds it
// (ExpandVirtualMachineCloneSpec, DiskCloneValidateOperation): the pool, host and datastore; for a
// linked clone, the template's snapshot and child disk backings; and one disk locator per template
// disk carrying the planned provisioning (thin, or thick lazily or eagerly zeroed) on the VM's
// datastore (else the disk's own). The clone stays powered off: the shape, customization and
// power-on follow. Errors name the input: a template with more disks than `disks`, a disk smaller
// than the template's, and for a linked clone a disk whose size or provisioning differs from the
// template's or a template without its one snapshot.
func cloneSpec(in vmInputs, t templateState, pool types.ManagedObjectReference, datastoreName string) (types.VirtualMachineCloneSpec, error) {
	spec := types.VirtualMachineCloneSpec{Location: types.VirtualMachineRelocateSpec{Pool: &pool}, PowerOn: false}
	if in.HostSystemID != "" {
		host := ref("HostSystem", in.HostSystemID)
		spec.Location.Host = &host
	}
	var ds *types.ManagedObjectReference
	if in.DatastoreID != "" {
		r := ref("Datastore", in.DatastoreID)
		ds = &r
		spec.Location.Datastore = ds
	}
	if in.Clone.Linked {
		snap, err := linkedCloneSnapshot(t)
		if err != nil {
			return spec, err
		}
		spec.Snapshot = snap
		spec.Location.DiskMoveType = string(types.VirtualMachineRelocateDiskMoveOptionsCreateNewChildDiskBacking)
	}
	disks := templateDisks(t.Devices)
	if len(disks) > len(in.Disks) {
		return spec, fmt.Errorf("disks: template %s has %d disks, and the clone lists %d: list at least one per template disk, in order", t.UUID, len(disks), len(in.Disks))
	}
	for i, d := range disks {
		want := in.Disks[i]
		thin, eager, backing := provisioning(d)
		size := diskGiB(d)
		switch {
		case in.Clone.Linked && want.SizeGiB != size:
			return spec, fmt.Errorf("disks[%d].size: a linked clone keeps the template's disk size, %d GiB (got %d)", i, size, want.SizeGiB)
		case in.Clone.Linked && (want.Thin != thin || want.Eager != eager):
			return spec, fmt.Errorf("disks[%d]: a linked clone keeps the template's provisioning, thinProvisioned %t and eagerlyScrub %t", i, thin, eager)
		case want.SizeGiB < size:
			return spec, fmt.Errorf("disks[%d].size: %d GiB is smaller than the template's disk (%d GiB): disks cannot shrink", i, want.SizeGiB, size)
		}
		if backing == nil {
			return spec, fmt.Errorf("disks[%d]: the template's disk %d is not a flat (VMDK) disk; its provisioning cannot be set", i, d.Key)
		}
		target := ds
		if target == nil {
			target = backing.Datastore
		}
		if target == nil {
			return spec, fmt.Errorf("disks[%d]: no datastoreId, and the template's disk names no datastore", i)
		}
		thinP, eagerP := want.Thin, want.Eager
		locator := types.VirtualMachineRelocateSpecDiskLocator{
			DiskId:    d.Key,
			Datastore: *target,
			DiskBackingInfo: &types.VirtualDiskFlatVer2BackingInfo{
				VirtualDeviceFileBackingInfo: types.VirtualDeviceFileBackingInfo{FileName: datastorePath(datastoreName), Datastore: target},
				DiskMode:                     backing.DiskMode,
				ThinProvisioned:              &thinP,
				EagerlyScrub:                 &eagerP,
			},
		}
		spec.Location.Disk = append(spec.Location.Disk, locator)
	}
	return spec, nil
}

// datastorePath is the datastore's root in vSphere's "[name]" path form (empty when unknown).
func datastorePath(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf("[%s]", name)
}

// reconfigureSpec is the reconfigure of a fresh clone, as the official provider's post-clone step
// (resourceVSphereVirtualMachinePostDeployChanges): CPUs, memory, guest id and firmware; every SCSI
// controller of another type than scsiType swapped for one of that type on the same bus, its
// devices moved onto it (a clone without a SCSI controller gets one on bus 0); each template
// disk grown to its planned size; the template's NICs replaced by the planned cards, in order.
func reconfigureSpec(in vmInputs, devices object.VirtualDeviceList, cards []types.BaseVirtualDevice) (types.VirtualMachineConfigSpec, error) {
	spec := types.VirtualMachineConfigSpec{NumCPUs: int32(in.NumCPUs), MemoryMB: int64(in.MemoryMiB), GuestId: in.GuestID, Firmware: in.Firmware}
	edits := map[int32]types.BaseVirtualDevice{}
	var order []int32
	edit := func(d types.BaseVirtualDevice) {
		k := d.GetVirtualDevice().Key
		if _, ok := edits[k]; !ok {
			order = append(order, k)
		}
		edits[k] = d
	}
	add := func(d types.BaseVirtualDevice) {
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: d})
	}
	remove := func(d types.BaseVirtualDevice) {
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationRemove, Device: d})
	}
	controllers := devices.Select(func(d types.BaseVirtualDevice) bool {
		_, ok := d.(types.BaseVirtualSCSIController)
		return ok
	})
	newKey := int32(-300)
	for _, c := range controllers {
		if devices.Type(c) == in.SCSIType {
			continue
		}
		old := c.(types.BaseVirtualSCSIController).GetVirtualSCSIController()
		created, err := devices.CreateSCSIController(in.SCSIType)
		if err != nil {
			return spec, fmt.Errorf("scsiType %s: %w", in.SCSIType, err)
		}
		nc := created.(types.BaseVirtualSCSIController).GetVirtualSCSIController()
		nc.BusNumber, nc.SharedBus, nc.Key = old.BusNumber, old.SharedBus, newKey
		newKey--
		remove(c)
		add(created)
		for _, d := range devices {
			if d.GetVirtualDevice().ControllerKey == old.Key {
				d.GetVirtualDevice().ControllerKey = nc.Key
				edit(d)
			}
		}
	}
	if len(controllers) == 0 {
		created, err := devices.CreateSCSIController(in.SCSIType)
		if err != nil {
			return spec, fmt.Errorf("scsiType %s: %w", in.SCSIType, err)
		}
		nc := created.(types.BaseVirtualSCSIController).GetVirtualSCSIController()
		nc.BusNumber, nc.Key = 0, newKey
		add(created)
	}
	for i, d := range templateDisks(devices) {
		if i >= len(in.Disks) {
			break
		}
		if want := int64(in.Disks[i].SizeGiB) << 30; want > d.CapacityInKB<<10 {
			d.CapacityInBytes = want
			d.CapacityInKB = want >> 10
			edit(d)
		}
	}
	for _, k := range order {
		spec.DeviceChange = append(spec.DeviceChange, &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationEdit, Device: edits[k]})
	}
	for _, nic := range devices.SelectByType((*types.VirtualEthernetCard)(nil)) {
		remove(nic)
	}
	for _, card := range cards {
		add(card)
	}
	return spec, nil
}

// createVM clones the template (by UUID) as the official provider does: the clone (linked or
// full, each disk's provisioning set) in the datacenter's VM folder on the resource pool, host and
// datastore given; then one reconfigure (CPUs, memory, guest id, firmware, SCSI controller type,
// disk sizes, the planned NICs in order); then the customization (host name, domain, time zone,
// hardware clock, script, per-NIC static addresses), its waiter armed first; then power-on, the
// wait of up to clone.customize.timeout minutes for the customization's outcome, and of up to
// waitForGuestNetTimeout minutes for the guest to report an IP address.
//
// As upstream (terraform-provider-vsphere v2.16.1 vsphere/resource_vsphere_virtual_machine.go,
// resourceVSphereVirtualMachinePostDeployChanges), a clone that fails up to sending its
// customization is destroyed, and one that fails later (power-on, the customization's outcome, the
// guest-network waiter) is kept: the error is then a *vmKept, with the VM's outputs.
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
	var tmplMo mo.VirtualMachine
	if err := tmpl.Properties(ctx, tmpl.Reference(), []string{"config.hardware.device", "snapshot"}, &tmplMo); err != nil {
		return vmOutputs{}, fmt.Errorf("clone.templateUuid %s: %w", in.Clone.TemplateUUID, err)
	}
	state := templateState{UUID: in.Clone.TemplateUUID, Snapshot: tmplMo.Snapshot}
	if tmplMo.Config != nil {
		state.Devices = object.VirtualDeviceList(tmplMo.Config.Hardware.Device)
	}
	dsName := ""
	if in.DatastoreID != "" {
		var dsMo mo.Datastore
		if err := object.NewDatastore(c.Client, ref("Datastore", in.DatastoreID)).Properties(ctx, ref("Datastore", in.DatastoreID), []string{"name"}, &dsMo); err != nil {
			return vmOutputs{}, fmt.Errorf("datastoreId %s: %w", in.DatastoreID, err)
		}
		dsName = dsMo.Name
	}
	spec, err := cloneSpec(in, state, pool.Reference(), dsName)
	if err != nil {
		return vmOutputs{}, err
	}
	var cards []types.BaseVirtualDevice
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
		cards = append(cards, card)
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
	out := vmOutputs{Moid: vm.Reference().Value}
	var idMo mo.VirtualMachine
	err = vm.Properties(ctx, vm.Reference(), []string{"config.uuid"}, &idMo)
	if err == nil && (idMo.Config == nil || idMo.Config.Uuid == "") {
		err = errors.New("vCenter reports no config.uuid")
	}
	if err != nil {
		_ = deleteVM(ctx, c, vm.Reference().Value)
		return vmOutputs{}, fmt.Errorf("reading the UUID of %s: %w", in.Name, err)
	}
	out.UUID = idMo.Config.Uuid
	watch, err := prepareClone(ctx, c, vm, in, cards)
	if err != nil {
		_ = deleteVM(ctx, c, vm.Reference().Value)
		return vmOutputs{}, err
	}
	if err := startClone(ctx, c, vm, in, watch); err != nil {
		return out, &vmKept{err: err}
	}
	var vmMo mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"guest.ipAddress"}, &vmMo); err != nil {
		return out, &vmKept{err: fmt.Errorf("reading the guest address of %s: %w", in.Name, err)}
	}
	if vmMo.Guest != nil {
		out.DefaultIPAddress = vmMo.Guest.IpAddress
	}
	return out, nil
}

// vmKept is the error of a create that failed once the clone's customization was sent: the
// official provider keeps such a VM (its id already set) rather than destroying it, and reports
// the error; under Pulumi it is a partially created resource (provider.go: initFailed).
type vmKept struct{ err error }

func (k *vmKept) Error() string { return k.err.Error() }
func (k *vmKept) Unwrap() error { return k.err }

// prepareClone gives a fresh clone its shape and devices (reconfigureSpec) and sends its
// customization, the watch of the customization's outcome started first so that no event is
// missed. The watch is nil without customize or with clone.customize.timeout below 1.
func prepareClone(ctx context.Context, c *govmomi.Client, vm *object.VirtualMachine, in vmInputs, cards []types.BaseVirtualDevice) (*customizationWatch, error) {
	devices, err := vm.Device(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the devices of %s: %w", in.Name, err)
	}
	spec, err := reconfigureSpec(in, devices, cards)
	if err != nil {
		return nil, err
	}
	task, err := vm.Reconfigure(ctx, spec)
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("reconfiguring %s: %w", in.Name, err)
	}
	cz := in.Clone.Customize
	if cz == nil {
		return nil, nil
	}
	watch, err := watchCustomization(ctx, c.Client, vm.Reference(), cz.TimeoutMinutes)
	if err != nil {
		return nil, fmt.Errorf("following the customization of %s: %w", in.Name, err)
	}
	task, err = vm.Customize(ctx, *customization(*cz))
	if err == nil {
		err = task.Wait(ctx)
	}
	if err != nil {
		watch.stop()
		return nil, fmt.Errorf("customizing %s (clone.customize): %w", in.Name, err)
	}
	return watch, nil
}

// startClone powers the clone on, waits for its customization's outcome (watch, if any), then for
// the guest's network (waitForGuestNet).
func startClone(ctx context.Context, c *govmomi.Client, vm *object.VirtualMachine, in vmInputs, watch *customizationWatch) error {
	defer watch.stop()
	state, err := vm.PowerState(ctx)
	if err != nil {
		return err
	}
	if state != types.VirtualMachinePowerStatePoweredOn {
		task, err := vm.PowerOn(ctx)
		if err == nil {
			err = task.Wait(ctx)
		}
		if err != nil {
			return fmt.Errorf("powering on %s: %w", in.Name, err)
		}
	}
	if err := watch.wait(); err != nil {
		path, perr := find.InventoryPath(ctx, c.Client, vm.Reference())
		if perr != nil {
			path = in.Name
		}
		return customizationFailed(path, err)
	}
	return waitForGuestNet(ctx, vm, in.Name, time.Duration(in.WaitForGuestNetMinutes)*guestNetMinute, guestNetMinute/30, in.WaitForGuestNetRoutable)
}

// customizationFailed is the error of a customization that failed or timed out, on one line, with
// the words of the official provider's (formatVirtualMachineCustomizationWaitError, which is on
// several lines and says "taint" where Pulumi replaces).
func customizationFailed(inventoryPath string, err error) error {
	return fmt.Errorf("warning: The virtual machine customization failed on %q: %v. The virtual machine has not been deleted to assist with troubleshooting; if corrective steps are taken without modifying clone.customize, replace it (pulumi up --replace) before trying again", inventoryPath, err)
}

// customizeMinute is the unit of clone.customize.timeout: a minute (tests shorten it).
var customizeMinute = time.Minute

// customizationEventPage is how many of the VM's latest events each update of the watch carries.
const customizationEventPage = 10

// errCustomizationTimeout is the official waiter's message when its deadline passes.
var errCustomizationTimeout = errors.New("timeout waiting for customization to complete")

// customizationWatch waits for the outcome of a VM's guest customization as the official
// provider's waiter does (terraform-provider-vsphere v2.16.1 vsphere/event_helper.go, wait): it
// follows the VM's events from before the customization spec is sent; a CustomizationSucceeded
// event ends it well, any CustomizationFailed subtype (network setup, Linux identity, sysprep,
// unknown) with that event's FullFormattedMessage, and its deadline, counted from its start, with
// errCustomizationTimeout. A nil watch waits for nothing.
type customizationWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// watchCustomization starts the watch of the VM's customization for up to minutes; below 1 there
// is none (nil), as the official provider skips its waiter.
func watchCustomization(ctx context.Context, c *vim25.Client, vm types.ManagedObjectReference, minutes int) (*customizationWatch, error) {
	if minutes < 1 {
		return nil, nil
	}
	collector, err := event.NewManager(c).CreateCollectorForEvents(ctx, types.EventFilterSpec{
		Entity: &types.EventFilterSpecByEntity{Entity: vm, Recursion: types.EventFilterSpecRecursionOptionSelf},
	})
	if err != nil {
		return nil, err
	}
	if err := collector.SetPageSize(ctx, customizationEventPage); err != nil {
		_ = collector.Destroy(ctx)
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, time.Duration(minutes)*customizeMinute)
	w := &customizationWatch{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = customizationOutcome(wctx, c, collector.Reference())
		if w.err != nil && errors.Is(wctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			w.err = errCustomizationTimeout
		}
		dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer dcancel()
		_ = collector.Destroy(dctx)
	}()
	return w, nil
}

// customizationOutcome follows the event collector's latest page until it holds the outcome of
// the customization: nil for CustomizationSucceeded, the event's message for a CustomizationFailed;
// else the error that ended the wait (its context's).
func customizationOutcome(ctx context.Context, c *vim25.Client, collector types.ManagedObjectReference) error {
	seen := map[int32]bool{}
	decided := false
	var outcome error
	err := property.Wait(ctx, property.DefaultCollector(c), collector, []string{"latestPage"}, func(changes []types.PropertyChange) bool {
		for _, ch := range changes {
			page, ok := ch.Val.(types.ArrayOfEvent)
			if !ok {
				continue
			}
			// The page is newest first: read it oldest first, so the first outcome counts.
			for i := len(page.Event) - 1; i >= 0; i-- {
				e := page.Event[i]
				if seen[e.GetEvent().Key] {
					continue
				}
				seen[e.GetEvent().Key] = true
				switch ev := e.(type) {
				case *types.CustomizationSucceeded:
					decided = true
					return true
				case types.BaseCustomizationFailed:
					decided, outcome = true, errors.New(ev.GetCustomizationFailed().FullFormattedMessage)
					return true
				}
			}
		}
		return false
	})
	if decided {
		return outcome
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil {
		err = errors.New("the event collector stopped before the customization's outcome")
	}
	return err
}

// wait blocks until the watch has the outcome (nil for none).
func (w *customizationWatch) wait() error {
	if w == nil {
		return nil
	}
	<-w.done
	return w.err
}

// stop ends the watch, whatever it has seen, and waits for it to let go of its collector.
func (w *customizationWatch) stop() {
	if w == nil {
		return
	}
	w.cancel()
	<-w.done
}

// guestNetMinute is the unit of waitForGuestNetTimeout: a minute (tests shorten it).
var guestNetMinute = time.Minute

// waitForGuestNet waits up to timeout (waitForGuestNetTimeout; none below a minute) for the guest
// to report an IP address (guest.ipAddress, which VMware Tools fills in), polling every interval;
// with routable (waitForGuestNetRoutable), also a default gateway in the guest's routes
// (guest.ipStack), as the official provider's waiter does. Its timeout begins with the official
// message, "timeout waiting for an available IP address".
func waitForGuestNet(ctx context.Context, vm *object.VirtualMachine, name string, timeout, interval time.Duration, routable bool) error {
	if timeout <= 0 {
		return nil
	}
	deadline := time.Now().Add(timeout)
	for {
		var m mo.VirtualMachine
		if err := vm.Properties(ctx, vm.Reference(), []string{"guest.ipAddress", "guest.ipStack"}, &m); err != nil {
			return fmt.Errorf("reading the guest address of %s: %w", name, err)
		}
		if m.Guest != nil && m.Guest.IpAddress != "" && (!routable || hasDefaultGateway(m.Guest.IpStack)) {
			return nil
		}
		if time.Now().After(deadline) {
			if routable {
				return fmt.Errorf("timeout waiting for an available IP address: %s reported no routable IP address (an address and a default gateway) within %v (waitForGuestNetTimeout): check that the template runs VMware Tools and gets an address and a gateway, set waitForGuestNetRoutable to false, or set waitForGuestNetTimeout to 0 not to wait", name, timeout)
			}
			return fmt.Errorf("timeout waiting for an available IP address: %s reported no IP address within %v (waitForGuestNetTimeout): check that the template runs VMware Tools and gets an address, or set waitForGuestNetTimeout to 0 not to wait", name, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// hasDefaultGateway: the guest's routes (VMware Tools' guest.ipStack) hold a default route with a gateway.
func hasDefaultGateway(stacks []types.GuestStackInfo) bool {
	for _, st := range stacks {
		if st.IpRouteConfig == nil {
			continue
		}
		for _, r := range st.IpRouteConfig.IpRoute {
			if r.PrefixLength == 0 && r.Gateway.IpAddress != "" {
				return true
			}
		}
	}
	return false
}

// customization is the customization spec of the official provider for a Linux guest
// (terraform-provider-vsphere v2.16.1 customizations_helper.go, expandCustomizationLinuxPrep and
// expandCustomizationIPSettings): the identity with host name, domain, time zone, script and the
// hardware clock's UTC flag; per NIC a fixed address and netmask, else DHCP, and ipv4Gateway only
// on the NICs whose subnet holds it.
func customization(cz customizeInputs) *types.CustomizationSpec {
	hwClockUTC := cz.HwClockUTC
	spec := &types.CustomizationSpec{
		Identity: &types.CustomizationLinuxPrep{
			HostName:   &types.CustomizationFixedName{Name: cz.HostName},
			Domain:     cz.Domain,
			TimeZone:   cz.TimeZone,
			ScriptText: cz.ScriptText,
			HwClockUTC: &hwClockUTC,
		},
		GlobalIPSettings: types.CustomizationGlobalIPSettings{},
	}
	for _, n := range cz.NICs {
		adapter := types.CustomizationIPSettings{Ip: &types.CustomizationDhcpIpGenerator{}}
		if n.IPv4Address != "" {
			adapter.Ip = &types.CustomizationFixedIp{IpAddress: n.IPv4Address}
			adapter.SubnetMask = netmask(n.IPv4Netmask)
			if gatewayInSubnet(n.IPv4Address, n.IPv4Netmask, cz.IPv4Gateway) {
				adapter.Gateway = []string{cz.IPv4Gateway}
			}
		}
		spec.NicSettingMap = append(spec.NicSettingMap, types.CustomizationAdapterMapping{Adapter: adapter})
	}
	return spec
}

// gatewayInSubnet: gateway is an address of the same family in address/prefix (the official
// provider's matchGateway; an empty or unreadable gateway is in no subnet).
func gatewayInSubnet(address string, prefix int, gateway string) bool {
	a, err := netip.ParseAddr(address)
	if err != nil {
		return false
	}
	g, err := netip.ParseAddr(gateway)
	if err != nil || a.Is4() != g.Is4() {
		return false
	}
	subnet, err := a.Prefix(prefix)
	return err == nil && subnet.Contains(g)
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
