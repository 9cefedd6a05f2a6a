package main

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"google.golang.org/protobuf/types/known/structpb"

	"hvnetlab/engine/plugins/internal/providerkit"
)

// cloneRecorder keeps the spec of every CloneVM_Task sent: the simulator ignores a clone's disk
// locators, snapshot and disk move type, so these are checked on what vCenter was asked.
type cloneRecorder struct {
	soap.RoundTripper
	specs []types.VirtualMachineCloneSpec
}

func (r *cloneRecorder) RoundTrip(ctx context.Context, req, res soap.HasFault) error {
	if b, ok := req.(*methods.CloneVM_TaskBody); ok {
		r.specs = append(r.specs, b.Req.Spec)
	}
	return r.RoundTripper.RoundTrip(ctx, req, res)
}

// vcsimLab is the simulator's inventory as the esx stack looks it up.
type vcsimLab struct {
	c                             *govmomi.Client
	rec                           *cloneRecorder
	dc, hostID, pool, ds, mgmt    string
	tmplUUID, tmplGuest, tmplSCSI string
	tmplDiskGiB                   int
	tmplThin                      bool
	tmplFirmware                  string
	tmpl                          *object.VirtualMachine
}

func lookupLab(t *testing.T, ctx context.Context, vc *vcenter) vcsimLab {
	t.Helper()
	c, err := vc.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := &cloneRecorder{RoundTripper: c.Client.RoundTripper}
	c.Client.RoundTripper = rec
	look := func(token, name, dc string) map[string]any {
		out, err := invoke(ctx, c, token, name, dc)
		if err != nil {
			t.Fatalf("%s %s: %v", token, name, err)
		}
		return out
	}
	l := vcsimLab{c: c, rec: rec}
	l.dc = look(getDatacenterToken, "DC0", "")["id"].(string)
	host := look(getHostToken, "DC0_H0", l.dc)
	l.hostID, l.pool = host["id"].(string), host["resourcePoolId"].(string)
	l.ds = look(getDatastoreToken, "LocalDS_0", l.dc)["id"].(string)
	l.mgmt = look(getNetworkToken, "VM Network", l.dc)["id"].(string)
	tmpl := look(getVirtualMachineToken, "DC0_H0_VM0", l.dc)
	l.tmplUUID, l.tmplGuest, l.tmplSCSI, l.tmplFirmware = tmpl["id"].(string), tmpl["guestId"].(string), tmpl["scsiType"].(string), tmpl["firmware"].(string)
	disks := tmpl["disks"].([]any)
	if len(disks) != 1 {
		t.Fatalf("the simulator's template has one disk, got %v", disks)
	}
	l.tmplDiskGiB, l.tmplThin = int(disks[0].(map[string]any)["size"].(float64)), disks[0].(map[string]any)["thinProvisioned"].(bool)
	f, _ := finder(ctx, c, l.dc)
	if l.tmpl, err = f.VirtualMachine(ctx, "DC0_H0_VM0"); err != nil {
		t.Fatal(err)
	}
	return l
}

// vmProps are a VirtualMachine's inputs as the esx stack sets them, with changes.
func (l vcsimLab) vmProps(name string, change func(m map[string]any)) vmInputs {
	r := providerkit.NewReader(resource.NewPropertyMapFromMap(l.vmMap(name, change)))
	in := parseVM(r)
	if f := r.Failures(); len(f) > 0 {
		panic(f[0].Reason)
	}
	return in
}

// vmMap is vmProps before they are read: the inputs as the engine sends them.
func (l vcsimLab) vmMap(name string, change func(m map[string]any)) map[string]any {
	m := map[string]any{
		"name": name, "resourcePoolId": l.pool, "hostSystemId": l.hostID, "datastoreId": l.ds,
		"numCpus": 1.0, "memory": 512.0, "guestId": l.tmplGuest,
		// The simulator's guests report an address but no routes: the waiter asks for the address only.
		"waitForGuestNetRoutable": false,
		"networkInterfaces":       []any{map[string]any{"networkId": l.mgmt}},
		"disks":                   []any{map[string]any{"label": "disk0", "size": float64(l.tmplDiskGiB)}},
		"clone": map[string]any{"templateUuid": l.tmplUUID, "customize": map[string]any{
			"linuxOptions":      map[string]any{"hostName": name, "domain": "lab"},
			"networkInterfaces": []any{map[string]any{"ipv4Address": "192.168.10.121", "ipv4Netmask": 24.0}},
		}},
	}
	if change != nil {
		change(m)
	}
	return m
}

func vmConfig(t *testing.T, ctx context.Context, c *govmomi.Client, moid string) *types.VirtualMachineConfigInfo {
	t.Helper()
	var m mo.VirtualMachine
	vm := object.NewVirtualMachine(c.Client, ref("VirtualMachine", moid))
	if err := vm.Properties(ctx, vm.Reference(), []string{"config"}, &m); err != nil {
		t.Fatal(err)
	}
	return m.Config
}

// TestCloneHonoursSCSITypeFirmwareAndDisks clones with a SCSI type and firmware other than the
// template's and a larger, eagerly zeroed thick disk: the clone has them all, the clone request
// carries the disk's provisioning, and Create returns once the guest reports its address.
func TestCloneHonoursSCSITypeFirmwareAndDisks(t *testing.T) {
	withVcsim(t, func(ctx context.Context, vc *vcenter, _ string) {
		l := lookupLab(t, ctx, vc)
		scsi := "lsilogic-sas"
		if l.tmplSCSI == scsi {
			scsi = "pvscsi"
		}
		firmware := map[string]string{"bios": "efi", "efi": "bios"}[l.tmplFirmware]
		in := l.vmProps("hvnetlab-shape", func(m map[string]any) {
			m["scsiType"], m["firmware"] = scsi, firmware
			m["disks"] = []any{map[string]any{"label": "disk0", "size": float64(l.tmplDiskGiB + 2), "thinProvisioned": false, "eagerlyScrub": true}}
		})
		out, err := createVM(ctx, l.c, in)
		if err != nil {
			t.Fatal(err)
		}
		defer deleteVM(ctx, l.c, out.Moid)
		cfg := vmConfig(t, ctx, l.c, out.Moid)
		if cfg.Firmware != firmware {
			t.Errorf("firmware %q, want %q (the template's is %q)", cfg.Firmware, firmware, l.tmplFirmware)
		}
		devices := object.VirtualDeviceList(cfg.Hardware.Device)
		controllers := devices.Select(func(d types.BaseVirtualDevice) bool { _, ok := d.(types.BaseVirtualSCSIController); return ok })
		if len(controllers) == 0 {
			t.Fatal("the clone has no SCSI controller")
		}
		for _, c := range controllers {
			if devices.Type(c) != scsi {
				t.Errorf("SCSI controller %d is %s, want %s (the template's is %s)", c.GetVirtualDevice().Key, devices.Type(c), scsi, l.tmplSCSI)
			}
		}
		disks := templateDisks(devices)
		if len(disks) != 1 {
			t.Fatalf("one disk, got %d", len(disks))
		}
		if ctl := devices.FindByKey(disks[0].ControllerKey); ctl == nil || devices.Type(ctl) != scsi {
			t.Errorf("the disk is on controller %d, which is not the %s controller", disks[0].ControllerKey, scsi)
		}
		if diskGiB(disks[0]) != l.tmplDiskGiB+2 {
			t.Errorf("disk of %d GiB, want %d", diskGiB(disks[0]), l.tmplDiskGiB+2)
		}
		if len(l.rec.specs) != 1 {
			t.Fatalf("one clone request, got %d", len(l.rec.specs))
		}
		spec := l.rec.specs[0]
		if len(spec.Location.Disk) != 1 {
			t.Fatalf("one disk locator in the clone request, got %+v", spec.Location.Disk)
		}
		b, ok := spec.Location.Disk[0].DiskBackingInfo.(*types.VirtualDiskFlatVer2BackingInfo)
		if !ok || b.ThinProvisioned == nil || *b.ThinProvisioned || b.EagerlyScrub == nil || !*b.EagerlyScrub {
			t.Errorf("the disk locator asks for eagerly zeroed thick provisioning: %+v", spec.Location.Disk[0].DiskBackingInfo)
		}
		if spec.Location.Disk[0].Datastore.Value != l.ds || spec.Snapshot != nil || spec.Location.DiskMoveType != "" || spec.PowerOn {
			t.Errorf("a full clone onto %s, powered on later: %+v", l.ds, spec)
		}
		if out.DefaultIPAddress != "192.168.10.121" {
			t.Errorf("Create waits for the guest's address (waitForGuestNetTimeout): got %q", out.DefaultIPAddress)
		}
	})
}

// TestLinkedCloneFromTheTemplatesSnapshot: without a snapshot a linked clone is refused by name;
// with one, the clone request names it and asks for child disk backings; a disk of another size
// than the template's is refused.
func TestLinkedCloneFromTheTemplatesSnapshot(t *testing.T) {
	withVcsim(t, func(ctx context.Context, vc *vcenter, _ string) {
		l := lookupLab(t, ctx, vc)
		linked := func(name string, size int) vmInputs {
			return l.vmProps(name, func(m map[string]any) {
				m["clone"].(map[string]any)["linkedClone"] = true
				m["disks"] = []any{map[string]any{"label": "disk0", "size": float64(size), "thinProvisioned": l.tmplThin}}
			})
		}
		if _, err := createVM(ctx, l.c, linked("hvnetlab-linked0", l.tmplDiskGiB)); err == nil || !strings.Contains(err.Error(), "clone.linkedClone") || !strings.Contains(err.Error(), "no snapshot") {
			t.Fatalf("a template without a snapshot is refused, naming clone.linkedClone: %v", err)
		}
		task, err := l.tmpl.CreateSnapshot(ctx, "base", "", false, false)
		if err == nil {
			err = task.Wait(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		var tm mo.VirtualMachine
		if err := l.tmpl.Properties(ctx, l.tmpl.Reference(), []string{"snapshot"}, &tm); err != nil || tm.Snapshot == nil {
			t.Fatalf("the template's snapshot: %v", err)
		}
		if _, err := createVM(ctx, l.c, linked("hvnetlab-linked1", l.tmplDiskGiB+1)); err == nil || !strings.Contains(err.Error(), "disks[0].size") {
			t.Fatalf("a linked clone keeps the template's disk size: %v", err)
		}
		out, err := createVM(ctx, l.c, linked("hvnetlab-linked2", l.tmplDiskGiB))
		if err != nil {
			t.Fatal(err)
		}
		defer deleteVM(ctx, l.c, out.Moid)
		spec := l.rec.specs[len(l.rec.specs)-1]
		if spec.Snapshot == nil || spec.Snapshot.Value != tm.Snapshot.CurrentSnapshot.Value {
			t.Errorf("the clone is made from the template's snapshot %v, got %v", tm.Snapshot.CurrentSnapshot, spec.Snapshot)
		}
		if spec.Location.DiskMoveType != string(types.VirtualMachineRelocateDiskMoveOptionsCreateNewChildDiskBacking) {
			t.Errorf("a linked clone's disks are child disks of the snapshot: disk move type %q", spec.Location.DiskMoveType)
		}
		task, err = l.tmpl.CreateSnapshot(ctx, "second", "", false, false)
		if err == nil {
			err = task.Wait(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := createVM(ctx, l.c, linked("hvnetlab-linked3", l.tmplDiskGiB)); err == nil || !strings.Contains(err.Error(), "must have no children") {
			t.Fatalf("a template with a chain of snapshots is ambiguous and refused: %v", err)
		}
	})
}

// TestWaitForGuestNet follows terraform-provider-vsphere v2.16.1
// vsphere/internal/helper/virtualmachine/virtual_machine_helper.go (WaitForGuestNet) and
// vsphere/resource_vsphere_virtual_machine.go (Create): a clone without customization gets no
// address in the simulator: with waitForGuestNetTimeout 0 Create does not wait; with 2 (minutes,
// shortened here) it times out with the official message, naming the VM and the input, and the
// clone is kept (its outputs returned for the state), not destroyed.
func TestWaitForGuestNet(t *testing.T) {
	withVcsim(t, func(ctx context.Context, vc *vcenter, _ string) {
		l := lookupLab(t, ctx, vc)
		in := l.vmProps("hvnetlab-noip", func(m map[string]any) {
			delete(m["clone"].(map[string]any), "customize")
			m["waitForGuestNetTimeout"] = 0.0
		})
		if in.WaitForGuestNetMinutes != 0 {
			t.Fatalf("waitForGuestNetTimeout 0 is read as 0, got %d", in.WaitForGuestNetMinutes)
		}
		out, err := createVM(ctx, l.c, in)
		if err != nil {
			t.Fatalf("waitForGuestNetTimeout 0 does not wait: %v", err)
		}
		defer deleteVM(ctx, l.c, out.Moid)
		defer func(m time.Duration) { guestNetMinute = m }(guestNetMinute)
		guestNetMinute = 300 * time.Millisecond
		in = l.vmProps("hvnetlab-noip2", func(m map[string]any) {
			delete(m["clone"].(map[string]any), "customize")
			m["waitForGuestNetTimeout"] = 2.0
		})
		out, err = createVM(ctx, l.c, in)
		var kept *vmKept
		if !errors.As(err, &kept) || !strings.HasPrefix(err.Error(), "timeout waiting for an available IP address") ||
			!strings.Contains(err.Error(), "waitForGuestNetTimeout") || !strings.Contains(err.Error(), "hvnetlab-noip2") {
			t.Fatalf("a guest without an address times out with the official message, naming the VM and the input, and is kept: %v", err)
		}
		defer deleteVM(ctx, l.c, out.Moid)
		f, _ := finder(ctx, l.c, l.dc)
		vm, ferr := f.VirtualMachine(ctx, "hvnetlab-noip2")
		if ferr != nil || vm.Reference().Value != out.Moid || out.UUID == "" {
			t.Fatalf("a clone whose waiter timed out is kept, its moid and UUID returned: %v %+v", ferr, out)
		}
		if l.vmProps("x", nil).WaitForGuestNetMinutes != 5 {
			t.Fatal("the official default is 5 minutes")
		}
	})
}

// TestVMInputsAreReadOrRefused: every input of the official schema that the provider does not
// implement is refused by name, at any depth; the SCSI type, firmware and provisioning are checked
// against the official provider's values.
func TestVMInputsAreReadOrRefused(t *testing.T) {
	r := providerkit.NewReader(resource.NewPropertyMapFromMap(map[string]any{
		"name": "vm", "resourcePoolId": "p", "annotation": "x", "scsiType": "buslogic", "firmware": "uefi",
		"networkInterfaces": []any{map[string]any{"networkId": "n", "bandwidthLimit": 10.0}},
		"disks":             []any{map[string]any{"label": "d", "size": 8.0, "thinProvisioned": true, "eagerlyScrub": true, "unitNumber": 1.0}},
		"clone": map[string]any{"templateUuid": "u", "timeout": 30.0, "customize": map[string]any{
			"dnsServerLists":    []any{"10.0.0.1"},
			"linuxOptions":      map[string]any{"hostName": "h", "domain": "d", "timeZone": "UTC", "hwClockUtc": false},
			"networkInterfaces": []any{map[string]any{"ipv4Address": "10.0.0.2", "ipv6Address": "::2"}},
			"timeout":           -1.0,
		}},
	}))
	in := parseVM(r)
	got := map[string]bool{}
	for _, f := range r.Failures() {
		got[f.Property] = true
	}
	for _, want := range []string{
		"annotation", "scsiType", "firmware", "networkInterfaces[0].bandwidthLimit", "disks[0].eagerlyScrub", "disks[0].unitNumber",
		"clone.timeout", "clone.customize.dnsServerLists", "clone.customize.networkInterfaces[0].ipv6Address",
	} {
		if !got[want] {
			t.Errorf("no failure for %s: %v", want, r.Failures())
		}
	}
	if len(r.Failures()) != 9 {
		t.Errorf("exactly those nine failures: %v", r.Failures())
	}
	if cz := in.Clone.Customize; cz == nil || cz.TimeZone != "UTC" || cz.HwClockUTC || cz.TimeoutMinutes != -1 {
		t.Errorf("linuxOptions.timeZone, linuxOptions.hwClockUtc and customize.timeout (any whole number: below 1 skips the wait) are read: %+v", in.Clone.Customize)
	}
	if in.Disks[0].Thin != true || in.Disks[0].Eager != true {
		t.Errorf("the disk's provisioning is read: %+v", in.Disks[0])
	}
	noClone := providerkit.NewReader(resource.NewPropertyMapFromMap(map[string]any{"name": "vm", "resourcePoolId": "p"}))
	parseVM(noClone)
	if f := noClone.Failures(); len(f) != 1 || f[0].Property != "clone" {
		t.Errorf("a VM is only made by cloning a template: %v", f)
	}
	d := parseVM(providerkit.NewReader(resource.NewPropertyMapFromMap(map[string]any{
		"name": "vm", "resourcePoolId": "p", "clone": map[string]any{"templateUuid": "u"},
		"disks": []any{map[string]any{"label": "d", "size": 8.0}},
	})))
	if d.SCSIType != "pvscsi" || d.Firmware != "bios" || !d.Disks[0].Thin || d.Disks[0].Eager || d.Clone.Linked || d.WaitForGuestNetMinutes != 5 {
		t.Errorf("the official defaults: pvscsi, bios, thin, not eagerly scrubbed, a full clone, 5 minutes: %+v", d)
	}
	for _, key := range []string{"vswitch", "portgroup"} {
		r := providerkit.NewReader(resource.NewPropertyMapFromMap(map[string]any{
			"name": "n", "hostSystemId": "h", "networkAdapters": []any{"vmnic1"}, "virtualSwitchName": "vs", "notify": true,
		}))
		if key == "vswitch" {
			parseVSwitch(r)
		} else {
			parsePortGroup(r)
		}
		names := map[string]bool{}
		for _, f := range r.Failures() {
			names[f.Property] = true
		}
		if !names["notify"] {
			t.Errorf("%s: an unimplemented input is refused by name: %v", key, r.Failures())
		}
	}
}

// TestSchemaListsWhatIsRead: the schema this provider reports names exactly the inputs it reads,
// so the conformance test (against the reported schema) and the check (Reader.Only) agree.
func TestSchemaListsWhatIsRead(t *testing.T) {
	var schema struct {
		Resources map[string]struct {
			InputProperties map[string]any `json:"inputProperties"`
		} `json:"resources"`
		Types map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"types"`
	}
	if err := json.Unmarshal([]byte(schemaJSON()), &schema); err != nil {
		t.Fatal(err)
	}
	names := func(m map[string]any) []string {
		out := slices.Collect(maps.Keys(m))
		slices.Sort(out)
		return out
	}
	sorted := func(keys []string) []string { return slices.Sorted(slices.Values(keys)) }
	for token, keys := range map[string][]string{vswitchType: vswitchKeys, portGroupType: portGroupKeys, vmType: vmKeys} {
		if got := names(schema.Resources[token].InputProperties); !slices.Equal(got, sorted(keys)) {
			t.Errorf("%s: the schema has %v, the check reads %v", token, got, sorted(keys))
		}
	}
	for typ, keys := range map[string][]string{
		"VirtualMachineNetworkInterface": nicKeys, "VirtualMachineDisk": diskKeys, "VirtualMachineClone": cloneKeys,
		"VirtualMachineCloneCustomize": customizeKeys, "VirtualMachineCloneCustomizeLinuxOptions": linuxOptionsKeys,
		"VirtualMachineCloneCustomizeNetworkInterface": customizeNICKeys,
	} {
		if got := names(schema.Types["vsphere:index/"+typ+":"+typ].Properties); !slices.Equal(got, sorted(keys)) {
			t.Errorf("%s: the schema has %v, the check reads %v", typ, got, sorted(keys))
		}
	}
}

// TestProviderConfigAndLookupsRefuseWhatTheyDoNotRead: a provider input or a lookup argument the
// provider does not read is refused by name; the ones it reads pass.
func TestProviderConfigAndLookupsRefuseWhatTheyDoNotRead(t *testing.T) {
	p := newProvider()
	marshal := func(m map[string]any) *structpb.Struct {
		s, err := plugin.MarshalProperties(resource.NewPropertyMapFromMap(m), unmarshal)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	res, err := p.CheckConfig(context.Background(), &pulumirpc.CheckRequest{News: marshal(map[string]any{
		"vsphereServer": "vc", "user": "u", "password": "p", "allowUnverifiedSsl": "true", "version": "4.17.0", "apiTimeout": "5",
	})})
	if err != nil || len(res.Failures) != 1 || res.Failures[0].Property != "apiTimeout" {
		t.Fatalf("apiTimeout, which this provider does not read, is refused by name, and only it: %v %v", res.GetFailures(), err)
	}
	inv, err := p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: getNetworkToken, Args: marshal(map[string]any{
		"name": "VM Network", "datacenterId": "dc", "distributedVirtualSwitchUuid": "x",
	})})
	if err != nil || len(inv.Failures) != 1 || inv.Failures[0].Property != "distributedVirtualSwitchUuid" {
		t.Fatalf("a lookup argument this provider does not read is refused by name: %v %v", inv.GetFailures(), err)
	}
}

// TestAnyChangeReplacesAndReadKeepsTheState states two differences from the official provider:
// a changed input (numCpus, which the official provider changes in place) replaces the VM, the
// old one deleted first; a refresh (Read) keeps the state as it is, without asking vCenter.
func TestAnyChangeReplacesAndReadKeepsTheState(t *testing.T) {
	p := newProvider()
	marshal := func(m map[string]any) *structpb.Struct {
		s, err := plugin.MarshalProperties(resource.NewPropertyMapFromMap(m), unmarshal)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	olds := map[string]any{"name": "vm", "resourcePoolId": "p", "numCpus": 1.0, "clone": map[string]any{"templateUuid": "u"}}
	news := map[string]any{"name": "vm", "resourcePoolId": "p", "numCpus": 2.0, "clone": map[string]any{"templateUuid": "u"}}
	d, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: "urn:pulumi:s::p::" + vmType + "::vm", OldInputs: marshal(olds), News: marshal(news)})
	if err != nil || !slices.Equal(d.Replaces, []string{"numCpus"}) || !d.DeleteBeforeReplace {
		t.Fatalf("numCpus replaces the VM, deleting it first: %v %v", d, err)
	}
	state := marshal(map[string]any{"name": "vm", "moid": "vm-1"})
	r, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: "uuid", Urn: "urn:pulumi:s::p::" + vmType + "::vm", Properties: state})
	if err != nil || r.Id != "uuid" || r.Properties != state {
		t.Fatalf("Read keeps the state: %v %v", r, err)
	}
}

// TestRoutableWaiterWantsADefaultGateway: waitForGuestNetRoutable (default true, as the official
// provider's) asks the guest's routes for a default gateway; false asks for an address only.
func TestRoutableWaiterWantsADefaultGateway(t *testing.T) {
	route := func(prefix int32, gw string) []types.GuestStackInfo {
		return []types.GuestStackInfo{{IpRouteConfig: &types.NetIpRouteConfigInfo{IpRoute: []types.NetIpRouteConfigInfoIpRoute{
			{Network: "0.0.0.0", PrefixLength: prefix, Gateway: types.NetIpRouteConfigInfoGateway{IpAddress: gw}},
		}}}}
	}
	if !hasDefaultGateway(route(0, "192.168.10.1")) {
		t.Error("a default route with a gateway is routable")
	}
	if hasDefaultGateway(route(24, "192.168.10.1")) || hasDefaultGateway(route(0, "")) || hasDefaultGateway(nil) {
		t.Error("a subnet route, a route without gateway, or no routes are not routable")
	}
	in := parseVM(providerkit.NewReader(resource.NewPropertyMapFromMap(map[string]any{"name": "x", "resourcePoolId": "rp"})))
	if !in.WaitForGuestNetRoutable {
		t.Error("waitForGuestNetRoutable defaults to true, as the official provider's")
	}
	off := parseVM(providerkit.NewReader(resource.NewPropertyMapFromMap(map[string]any{"name": "x", "resourcePoolId": "rp", "waitForGuestNetRoutable": false})))
	if off.WaitForGuestNetRoutable {
		t.Error("waitForGuestNetRoutable false is read")
	}
}
