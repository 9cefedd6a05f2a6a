package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"google.golang.org/protobuf/types/known/structpb"

	"hvnetlab/engine/plugins/internal/providerkit"
)

// customizeHook stands between the provider and the simulator. It records the spec of every
// CustomizeVM_Task. With drop set, it keeps the customization from the simulator (a reconfigure
// without changes is sent instead, and its task answers), so that no customization event follows
// the power-on, as with a guest whose customization never reports. With failure set, it posts a
// CustomizationNetworkSetupFailed event with that message for the VM once it is powered on, as
// vCenter does when the guest's network setup fails.
type customizeHook struct {
	soap.RoundTripper
	events  types.ManagedObjectReference // the event manager, where failures are posted
	mu      sync.Mutex
	specs   []types.CustomizationSpec
	drop    bool
	failure string
}

func (h *customizeHook) set(drop bool, failure string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.drop, h.failure = drop, failure
}

func (h *customizeHook) RoundTrip(ctx context.Context, req, res soap.HasFault) error {
	h.mu.Lock()
	drop, failure := h.drop, h.failure
	h.mu.Unlock()
	switch b := req.(type) {
	case *methods.CustomizeVM_TaskBody:
		h.mu.Lock()
		h.specs = append(h.specs, b.Req.Spec)
		h.mu.Unlock()
		if drop {
			r, err := methods.ReconfigVM_Task(ctx, h.RoundTripper, &types.ReconfigVM_Task{This: b.Req.This})
			if err != nil {
				return err
			}
			res.(*methods.CustomizeVM_TaskBody).Res = &types.CustomizeVM_TaskResponse{Returnval: r.Returnval}
			return nil
		}
	case *methods.PowerOnVM_TaskBody:
		if err := h.RoundTripper.RoundTrip(ctx, req, res); err != nil || failure == "" {
			return err
		}
		vm := b.Req.This
		_, err := methods.PostEvent(ctx, h.RoundTripper, &types.PostEvent{
			This: h.events,
			EventToPost: &types.CustomizationNetworkSetupFailed{CustomizationFailed: types.CustomizationFailed{
				CustomizationEvent: types.CustomizationEvent{VmEvent: types.VmEvent{Event: types.Event{
					FullFormattedMessage: failure,
					Vm:                   &types.VmEventArgument{Vm: vm},
				}}},
			}},
		})
		return err
	}
	return h.RoundTripper.RoundTrip(ctx, req, res)
}

func (h *customizeHook) lastSpec(t *testing.T) types.CustomizationSpec {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.specs) == 0 {
		t.Fatal("no customization was sent")
	}
	return h.specs[len(h.specs)-1]
}

// hook puts a customizeHook between the lab's client and the simulator.
func (l vcsimLab) hook() *customizeHook {
	h := &customizeHook{RoundTripper: l.c.Client.RoundTripper, events: *l.c.Client.ServiceContent.EventManager}
	l.c.Client.RoundTripper = h
	return h
}

// customizeTimeout sets clone.customize.timeout (minutes) of a VM's inputs.
func customizeTimeout(minutes float64) func(m map[string]any) {
	return func(m map[string]any) {
		m["clone"].(map[string]any)["customize"].(map[string]any)["timeout"] = minutes
	}
}

// TestCustomizationWaitsForItsOutcome follows terraform-provider-vsphere v2.16.1
// vsphere/event_helper.go (wait) and vsphere/resource_vsphere_virtual_machine.go
// (resourceVSphereVirtualMachinePostDeployChanges, formatVirtualMachineCustomizationWaitError):
// after power-on Create waits for the VM's CustomizationSucceeded event (which the simulator posts
// at the power-on of a customized clone), ends with a CustomizationFailed event's message, or
// times out after clone.customize.timeout minutes (shortened here) with "timeout waiting for
// customization to complete"; a timeout below 1 does not wait. A failure names the VM's
// inventory path, and the VM is kept, powered on, its outputs returned.
func TestCustomizationWaitsForItsOutcome(t *testing.T) {
	withVcsim(t, func(ctx context.Context, vc *vcenter, _ string) {
		l := lookupLab(t, ctx, vc)
		h := l.hook()
		defer func(m time.Duration) { customizeMinute = m }(customizeMinute)
		customizeMinute = time.Second
		out, err := createVM(ctx, l.c, l.vmProps("hvnetlab-cz-ok", customizeTimeout(3)))
		if err != nil {
			t.Fatalf("the simulator's CustomizationSucceeded ends the wait: %v", err)
		}
		defer deleteVM(ctx, l.c, out.Moid)

		kept := func(name string, err error, out vmOutputs, want string) {
			t.Helper()
			var k *vmKept
			prefix := `warning: The virtual machine customization failed on "/DC0/vm/` + name + `": `
			if !errors.As(err, &k) || !strings.HasPrefix(err.Error(), prefix+want) {
				t.Fatalf("want a kept VM and %q, got %v", prefix+want, err)
			}
			var m mo.VirtualMachine
			vm := object.NewVirtualMachine(l.c.Client, ref("VirtualMachine", out.Moid))
			if err := vm.Properties(ctx, vm.Reference(), []string{"config.uuid", "runtime.powerState"}, &m); err != nil {
				t.Fatalf("%s is kept: %v", name, err)
			}
			if m.Config.Uuid != out.UUID || m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
				t.Errorf("%s: its UUID %s returned (got %q), powered on (%s)", name, m.Config.Uuid, out.UUID, m.Runtime.PowerState)
			}
		}

		h.set(true, "")
		customizeMinute = 300 * time.Millisecond
		start := time.Now()
		out, err = createVM(ctx, l.c, l.vmProps("hvnetlab-cz-late", customizeTimeout(2)))
		kept("hvnetlab-cz-late", err, out, "timeout waiting for customization to complete")
		defer deleteVM(ctx, l.c, out.Moid)
		if took := time.Since(start); took < 2*customizeMinute {
			t.Errorf("the wait lasts clone.customize.timeout (%v), it took %v", 2*customizeMinute, took)
		}

		// At the default 10 (seconds here), a failure missed would time out instead.
		h.set(true, "An error occurred while setting up network properties of the guest OS.")
		customizeMinute = time.Second
		out, err = createVM(ctx, l.c, l.vmProps("hvnetlab-cz-failed", nil))
		kept("hvnetlab-cz-failed", err, out, "An error occurred while setting up network properties of the guest OS.")
		defer deleteVM(ctx, l.c, out.Moid)

		// Without the customization (dropped) the guest gets no address: the guest-net waiter is off too.
		h.set(true, "")
		out, err = createVM(ctx, l.c, l.vmProps("hvnetlab-cz-nowait", func(m map[string]any) {
			customizeTimeout(0)(m)
			m["waitForGuestNetTimeout"] = 0.0
		}))
		if err != nil {
			t.Fatalf("clone.customize.timeout 0 skips the wait: %v", err)
		}
		defer deleteVM(ctx, l.c, out.Moid)
		if l.vmProps("x", nil).Clone.Customize.TimeoutMinutes != 10 {
			t.Error("clone.customize.timeout defaults to 10 minutes, as the official provider's")
		}
	})
}

// TestCustomizationSpecAsTheOfficialProvider follows terraform-provider-vsphere v2.16.1
// vsphere/internal/helper/guestoscustomizations/customizations_helper.go
// (expandCustomizationIPSettings, matchGateway, expandCustomizationLinuxPrep): ipv4Gateway goes
// only on the NICs whose subnet holds it (the management NIC, not the benchmark NIC's /30), and the
// Linux identity carries timeZone and hwClockUtc (true unless set false). The spec is taken as the
// simulator receives it, which applies the addresses.
func TestCustomizationSpecAsTheOfficialProvider(t *testing.T) {
	withVcsim(t, func(ctx context.Context, vc *vcenter, _ string) {
		l := lookupLab(t, ctx, vc)
		h := l.hook()
		dvpg, err := invoke(ctx, l.c, getNetworkToken, "DC0_DVPG0", l.dc)
		if err != nil {
			t.Fatal(err)
		}
		out, err := createVM(ctx, l.c, l.vmProps("hvnetlab-cz-spec", func(m map[string]any) {
			m["networkInterfaces"] = []any{map[string]any{"networkId": l.mgmt}, map[string]any{"networkId": dvpg["id"]}}
			cz := m["clone"].(map[string]any)["customize"].(map[string]any)
			cz["ipv4Gateway"] = "192.168.10.1"
			cz["linuxOptions"].(map[string]any)["timeZone"] = "Europe/Berlin"
			cz["networkInterfaces"] = []any{
				map[string]any{"ipv4Address": "192.168.10.121", "ipv4Netmask": 24.0},
				map[string]any{"ipv4Address": "10.77.0.2", "ipv4Netmask": 30.0},
			}
		}))
		if err != nil {
			t.Fatal(err)
		}
		defer deleteVM(ctx, l.c, out.Moid)
		spec := h.lastSpec(t)
		if len(spec.NicSettingMap) != 2 {
			t.Fatalf("one adapter mapping per NIC: %+v", spec.NicSettingMap)
		}
		if gw := spec.NicSettingMap[0].Adapter.Gateway; !slices.Equal(gw, []string{"192.168.10.1"}) {
			t.Errorf("the management NIC (192.168.10.121/24) gets the gateway: %v", gw)
		}
		if gw := spec.NicSettingMap[1].Adapter.Gateway; len(gw) != 0 {
			t.Errorf("the benchmark NIC (10.77.0.2/30) gets no gateway outside its subnet: %v", gw)
		}
		linux, ok := spec.Identity.(*types.CustomizationLinuxPrep)
		if !ok || linux.TimeZone != "Europe/Berlin" || linux.HwClockUTC == nil || !*linux.HwClockUTC {
			t.Errorf("the Linux identity has the time zone and a UTC hardware clock by default: %+v", spec.Identity)
		}
		var m mo.VirtualMachine
		vm := object.NewVirtualMachine(l.c.Client, ref("VirtualMachine", out.Moid))
		if err := vm.Properties(ctx, vm.Reference(), []string{"guest.net"}, &m); err != nil {
			t.Fatal(err)
		}
		var addrs []string
		for _, n := range m.Guest.Net {
			addrs = append(addrs, n.IpAddress...)
		}
		if !slices.Equal(addrs, []string{"192.168.10.121", "10.77.0.2"}) {
			t.Errorf("the simulator applied the customization: %v", addrs)
		}
	})
	off := customization(customizeInputs{HwClockUTC: false, NICs: []customizeNIC{{IPv4Address: "10.0.0.2", IPv4Netmask: 24}}, IPv4Gateway: ""})
	if c := off.Identity.(*types.CustomizationLinuxPrep).HwClockUTC; c == nil || *c {
		t.Error("hwClockUtc false is sent as false")
	}
	if gw := off.NicSettingMap[0].Adapter.Gateway; len(gw) != 0 {
		t.Errorf("no ipv4Gateway, no gateway: %v", gw)
	}
	for _, c := range []struct {
		addr    string
		prefix  int
		gateway string
		want    bool
	}{
		{"10.0.0.2", 24, "10.0.0.1", true},
		{"10.0.0.2", 30, "10.0.0.5", false},
		{"10.0.0.2", 0, "192.168.1.1", true}, // no netmask: every address is in the subnet, as upstream
		{"10.0.0.2", 24, "", false},
		{"10.0.0.2", 24, "fe80::1", false},
		{"not-an-address", 24, "10.0.0.1", false},
	} {
		if got := gatewayInSubnet(c.addr, c.prefix, c.gateway); got != c.want {
			t.Errorf("gatewayInSubnet(%s/%d, %q) = %t, want %t", c.addr, c.prefix, c.gateway, got, c.want)
		}
	}
	r := providerkit.NewReader(resource.NewPropertyMapFromMap(map[string]any{
		"name": "vm", "resourcePoolId": "p", "clone": map[string]any{"templateUuid": "u", "customize": map[string]any{
			"linuxOptions": map[string]any{"hostName": "h", "domain": "d", "timeZone": "Europe/Berlin; rm"},
		}},
	}))
	parseVM(r)
	if f := r.Failures(); len(f) != 1 || f[0].Property != "clone.customize.linuxOptions.timeZone" {
		t.Errorf("a time zone the official provider refuses is refused by name: %v", f)
	}
}

// TestPartialCreateKeepsTheVMInTheState follows terraform-provider-vsphere v2.16.1
// vsphere/resource_vsphere_virtual_machine.go (resourceVSphereVirtualMachinePostDeployChanges: the
// id is set before the customization, which is not rolled back) as the Pulumi bridge reports it:
// a Create whose customization times out answers with an ErrorResourceInitFailed detail holding
// the VM's UUID and state (the engine keeps it as a partially created resource); the next `up`
// with the same inputs updates nothing and keeps that state; a changed input is refused by Update
// (it replaces, see Diff); Delete then removes the VM.
func TestPartialCreateKeepsTheVMInTheState(t *testing.T) {
	withVcsim(t, func(ctx context.Context, vc *vcenter, _ string) {
		l := lookupLab(t, ctx, vc)
		p := newProvider()
		p.vc.server, p.vc.user, p.vc.password, p.vc.insecure = vc.server, vc.user, vc.password, vc.insecure
		defer p.vc.close()
		c, err := p.vc.get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h := &customizeHook{RoundTripper: c.Client.RoundTripper, drop: true}
		c.Client.RoundTripper = h
		defer func(m time.Duration) { customizeMinute = m }(customizeMinute)
		customizeMinute = 300 * time.Millisecond
		marshal := func(m map[string]any) *structpb.Struct {
			s, err := plugin.MarshalProperties(resource.NewPropertyMapFromMap(m), unmarshal)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		urn := "urn:pulumi:s::p::" + vmType + "::vm"
		// The guest-net waiter off: only the customization's wait can fail the create.
		partial := func(m map[string]any) { customizeTimeout(1)(m); m["waitForGuestNetTimeout"] = 0.0 }
		inputs := marshal(l.vmMap("hvnetlab-partial", partial))
		_, err = p.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: inputs})
		rerr, ok := rpcerror.FromError(err)
		if !ok {
			t.Fatalf("an RPC error: %v", err)
		}
		var init *pulumirpc.ErrorResourceInitFailed
		for _, d := range rerr.Details() {
			if x, ok := d.(*pulumirpc.ErrorResourceInitFailed); ok {
				init = x
			}
		}
		if init == nil || init.Id == "" || len(init.Reasons) != 1 || !strings.Contains(init.Reasons[0], "timeout waiting for customization to complete") {
			t.Fatalf("the failure is a partial create with the VM's id and the reason: %v %+v", err, init)
		}
		state, err := plugin.UnmarshalProperties(init.Properties, unmarshal)
		if err != nil {
			t.Fatal(err)
		}
		moid := state["moid"].StringValue()
		if state["uuid"].StringValue() != init.Id || state["name"].StringValue() != "hvnetlab-partial" || moid == "" {
			t.Fatalf("the state holds the inputs, the moid and the UUID: %v", state)
		}
		var m mo.VirtualMachine
		if err := object.NewVirtualMachine(c.Client, ref("VirtualMachine", moid)).Properties(ctx, ref("VirtualMachine", moid), []string{"config.uuid"}, &m); err != nil || m.Config.Uuid != init.Id {
			t.Fatalf("the VM is kept: %v", err)
		}

		up, err := p.Update(ctx, &pulumirpc.UpdateRequest{Urn: urn, Id: init.Id, Olds: init.Properties, OldInputs: inputs, News: inputs})
		if err != nil || up.Properties != init.Properties {
			t.Fatalf("the next up with the same inputs keeps the state: %v %v", up, err)
		}
		changed := marshal(l.vmMap("hvnetlab-partial", func(m map[string]any) { partial(m); m["numCpus"] = 2.0 }))
		if _, err := p.Update(ctx, &pulumirpc.UpdateRequest{Urn: urn, Id: init.Id, Olds: init.Properties, OldInputs: inputs, News: changed}); err == nil {
			t.Fatal("a changed input is not updated (it replaces)")
		}
		if _, err := p.Delete(ctx, &pulumirpc.DeleteRequest{Urn: urn, Id: init.Id, Properties: init.Properties}); err != nil {
			t.Fatal(err)
		}
		f, _ := finder(ctx, c, l.dc)
		if _, err := f.VirtualMachine(ctx, "hvnetlab-partial"); err == nil {
			t.Fatal("Delete removes the kept VM")
		}
	})
}
