package main

import (
	"context"
	"fmt"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Functions this provider serves, with the tokens of the @pulumi/vsphere 4.17.0 SDK.
const (
	getDatacenterToken     = "vsphere:index/getDatacenter:getDatacenter"
	getHostToken           = "vsphere:index/getHost:getHost"
	getDatastoreToken      = "vsphere:index/getDatastore:getDatastore"
	getNetworkToken        = "vsphere:index/getNetwork:getNetwork"
	getVirtualMachineToken = "vsphere:index/getVirtualMachine:getVirtualMachine"
)

// invoke looks an object up by name (in the datacenter given) and returns the function's outputs.
func invoke(ctx context.Context, c *govmomi.Client, token, name, datacenterID string) (map[string]any, error) {
	f, err := finder(ctx, c, datacenterID)
	if err != nil {
		return nil, err
	}
	notFound := func(what string, err error) error {
		return fmt.Errorf("%s %q: %w (check the name in hvnetlab:vsphere or hvnetlab:host)", what, name, err)
	}
	switch token {
	case getDatacenterToken:
		dc, err := f.Datacenter(ctx, name)
		if err != nil {
			return nil, notFound("datacenter", err)
		}
		return map[string]any{"id": dc.Reference().Value, "name": name}, nil
	case getHostToken:
		host, err := f.HostSystem(ctx, name)
		if err != nil {
			return nil, notFound("host", err)
		}
		pool, err := host.ResourcePool(ctx)
		if err != nil {
			return nil, fmt.Errorf("the resource pool of host %q: %w", name, err)
		}
		return map[string]any{"id": host.Reference().Value, "name": name, "resourcePoolId": pool.Reference().Value}, nil
	case getDatastoreToken:
		ds, err := f.Datastore(ctx, name)
		if err != nil {
			return nil, notFound("datastore", err)
		}
		return map[string]any{"id": ds.Reference().Value, "name": name}, nil
	case getNetworkToken:
		n, err := f.Network(ctx, name)
		if err != nil {
			return nil, notFound("network", err)
		}
		return map[string]any{"id": n.Reference().Value, "name": name, "type": n.Reference().Type}, nil
	case getVirtualMachineToken:
		vm, err := f.VirtualMachine(ctx, name)
		if err != nil {
			return nil, notFound("virtual machine", err)
		}
		return templateFacts(ctx, vm)
	}
	return nil, fmt.Errorf("%s is not implemented by hvnetlab's vSphere provider", token)
}

// templateFacts are what a clone needs of its template: UUID (the id), guest id, firmware, SCSI
// controller type and disks.
func templateFacts(ctx context.Context, vm *object.VirtualMachine) (map[string]any, error) {
	var m mo.VirtualMachine
	if err := vm.Properties(ctx, vm.Reference(), []string{"config"}, &m); err != nil {
		return nil, err
	}
	if m.Config == nil {
		return nil, fmt.Errorf("virtual machine %s has no configuration", vm.Reference().Value)
	}
	devices := object.VirtualDeviceList(m.Config.Hardware.Device)
	scsi := ""
	for _, d := range devices {
		switch d.(type) {
		case *types.ParaVirtualSCSIController:
			scsi = "pvscsi"
		case *types.VirtualLsiLogicController:
			scsi = "lsilogic"
		case *types.VirtualLsiLogicSASController:
			scsi = "lsilogic-sas"
		case *types.VirtualBusLogicController:
			scsi = "buslogic"
		}
		if scsi != "" {
			break
		}
	}
	var disks []any
	for i, d := range devices.SelectByType((*types.VirtualDisk)(nil)) {
		disk := d.(*types.VirtualDisk)
		thin, eager := false, false
		if b, ok := disk.Backing.(*types.VirtualDiskFlatVer2BackingInfo); ok {
			thin = b.ThinProvisioned != nil && *b.ThinProvisioned
			eager = b.EagerlyScrub != nil && *b.EagerlyScrub
		}
		disks = append(disks, map[string]any{
			"label": fmt.Sprintf("disk%d", i), "size": float64(disk.CapacityInKB / 1024 / 1024),
			"thinProvisioned": thin, "eagerlyScrub": eager,
		})
	}
	firmware := m.Config.Firmware
	if firmware == "" {
		firmware = "bios"
	}
	return map[string]any{
		"id": m.Config.Uuid, "name": m.Config.Name, "guestId": m.Config.GuestId,
		"scsiType": scsi, "firmware": firmware, "disks": disks,
	}, nil
}
