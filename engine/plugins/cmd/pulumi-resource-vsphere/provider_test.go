package main

import (
	"context"
	"crypto/tls"
	"net/url"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"

	"hvnetlab/engine/plugins/internal/providerkit"
)

// withVcsim runs f against govmomi's vCenter simulator (the code vcsim serves), with one login.
func withVcsim(t *testing.T, f func(ctx context.Context, vc *vcenter, server string)) {
	t.Helper()
	model := simulator.VPX()
	defer model.Remove()
	if err := model.Create(); err != nil {
		t.Fatal(err)
	}
	model.Service.Listen = &url.URL{User: url.UserPassword("admin@vsphere.local", "s3cret")}
	model.Service.TLS = new(tls.Config)
	s := model.Service.NewServer()
	defer s.Close()
	vc := &vcenter{server: s.URL.Host, user: "admin@vsphere.local", password: "s3cret", insecure: true}
	defer vc.close()
	f(context.Background(), vc, s.URL.Host)
}

func TestLookupsCloneAndTeardownOnVcsim(t *testing.T) {
	withVcsim(t, func(ctx context.Context, vc *vcenter, _ string) {
		c, err := vc.get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		look := func(token, name, dc string) map[string]any {
			out, err := invoke(ctx, c, token, name, dc)
			if err != nil {
				t.Fatalf("%s %s: %v", token, name, err)
			}
			return out
		}
		dc := look(getDatacenterToken, "DC0", "")["id"].(string)
		host := look(getHostToken, "DC0_H0", dc)
		ds := look(getDatastoreToken, "LocalDS_0", dc)["id"].(string)
		tmpl := look(getVirtualMachineToken, "DC0_H0_VM0", dc)
		mgmt := look(getNetworkToken, "VM Network", dc)["id"].(string)
		if _, err := invoke(ctx, c, getHostToken, "no-such-host", dc); err == nil || !strings.Contains(err.Error(), `host "no-such-host"`) {
			t.Fatalf("an unknown host is named: %v", err)
		}
		hostID := host["id"].(string)
		if _, err := createVirtualSwitch(ctx, c, vswitchInputs{Name: "hvnetlab-vs1", HostSystemID: hostID, NetworkAdapters: []string{"vmnic1"}, ActiveNics: []string{"vmnic1"}, MTU: 9000, NumberOfPorts: 128}); err != nil {
			t.Fatal(err)
		}
		if _, err := createPortGroup(ctx, c, portGroupInputs{Name: "hvnetlab-pg1", HostSystemID: hostID, VirtualSwitchName: "hvnetlab-vs1"}); err != nil {
			t.Fatal(err)
		}
		bench := look(getNetworkToken, "hvnetlab-pg1", dc)["id"].(string)
		vm := parseVM(providerkit.NewReader(resource.NewPropertyMapFromMap(map[string]any{
			"name": "hvnetlab-g1", "resourcePoolId": host["resourcePoolId"], "hostSystemId": hostID, "datastoreId": ds,
			"numCpus": 2.0, "memory": 1024.0, "guestId": tmpl["guestId"],
			// As the esx stack sets them: no waiter (the guests are reached over SSH with retries).
			"waitForGuestNetTimeout": 0.0, "waitForGuestNetRoutable": false,
			"networkInterfaces": []any{map[string]any{"networkId": mgmt, "adapterType": "vmxnet3"}, map[string]any{"networkId": bench, "adapterType": "vmxnet3"}},
			"disks":             []any{map[string]any{"label": "disk0", "size": 16.0}},
			"clone": map[string]any{"templateUuid": tmpl["id"], "customize": map[string]any{
				"linuxOptions":      map[string]any{"hostName": "hvnetlab-g1", "domain": "lab"},
				"networkInterfaces": []any{map[string]any{"ipv4Address": "192.168.10.101", "ipv4Netmask": 24.0}, map[string]any{"ipv4Address": "10.77.0.2", "ipv4Netmask": 30.0}},
			}},
		})))
		out, err := createVM(ctx, c, vm)
		if err != nil {
			t.Fatal(err)
		}
		var m mo.VirtualMachine
		vmo := object.NewVirtualMachine(c.Client, ref("VirtualMachine", out.Moid))
		if err := vmo.Properties(ctx, vmo.Reference(), []string{"config", "runtime", "network"}, &m); err != nil {
			t.Fatal(err)
		}
		if m.Config.Hardware.NumCPU != 2 || m.Config.Hardware.MemoryMB != 1024 || m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
			t.Fatalf("the clone's shape: %d vCPU, %d MiB, %s", m.Config.Hardware.NumCPU, m.Config.Hardware.MemoryMB, m.Runtime.PowerState)
		}
		nics := object.VirtualDeviceList(m.Config.Hardware.Device).SelectByType((*types.VirtualEthernetCard)(nil))
		if len(nics) != 2 {
			t.Fatalf("two NICs, got %d", len(nics))
		}
		for i, want := range []string{"VM Network", "hvnetlab-pg1"} {
			if _, ok := nics[i].(*types.VirtualVmxnet3); !ok {
				t.Errorf("NIC %d is not vmxnet3: %T", i, nics[i])
			}
			if b, ok := nics[i].GetVirtualDevice().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); !ok || b.DeviceName != want {
				t.Errorf("NIC %d is on %+v, not %s", i, nics[i].GetVirtualDevice().Backing, want)
			}
		}
		if err := deleteVM(ctx, c, out.Moid); err != nil {
			t.Fatal(err)
		}
		if err := deletePortGroup(ctx, c, hostID, "hvnetlab-pg1"); err != nil {
			t.Fatal(err)
		}
		if err := deleteVirtualSwitch(ctx, c, hostID, "hvnetlab-vs1"); err != nil {
			t.Fatal(err)
		}
		if _, err := invoke(ctx, c, getNetworkToken, "hvnetlab-pg1", dc); err == nil {
			t.Fatal("the port group's network is gone")
		}
		if err := deleteVM(ctx, c, out.Moid); err != nil {
			t.Fatalf("a VM that is gone is fine: %v", err)
		}
	})
}

func TestRefusedPasswordIsNamed(t *testing.T) {
	withVcsim(t, func(ctx context.Context, _ *vcenter, server string) {
		bad := &vcenter{server: server, user: "admin@vsphere.local", password: "wrong-one", insecure: true}
		_, err := bad.get(ctx)
		if err == nil || !strings.Contains(err.Error(), "refused the login of admin@vsphere.local") || strings.Contains(err.Error(), "wrong-one") {
			t.Fatalf("a refused password names the user and the keys to check, never the password: %v", err)
		}
	})
}

func TestChecksNameEveryProblem(t *testing.T) {
	r := providerkit.NewReader(resource.NewPropertyMapFromMap(map[string]any{
		"name": "vs", "networkAdapters": []any{"vmnic1"}, "activeNics": []any{"vmnic2"}, "allowPromiscuous": true,
	}))
	parseVSwitch(r)
	got := map[string]bool{}
	for _, f := range r.Failures() {
		got[f.Property] = true
	}
	for _, want := range []string{"hostSystemId", "activeNics", "allowPromiscuous"} {
		if !got[want] {
			t.Errorf("no failure for %s: %v", want, r.Failures())
		}
	}
	if netmask(30) != "255.255.255.252" || netmask(24) != "255.255.255.0" {
		t.Fatal("netmask")
	}
}
