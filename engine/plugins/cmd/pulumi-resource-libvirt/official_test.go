package main

// Behaviours of the official libvirt provider that this one follows, each test naming the
// upstream file of terraform-provider-libvirt v0.8.1 (the provider @pulumi/libvirt 0.5.4
// bridges) that it follows. docs/official-providers.md has the reading.

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	golibvirt "github.com/digitalocean/go-libvirt"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"hvnetlab/engine/plugins/internal/providerkit"
)

// libvirt/domain.go setCmdlineArgs: every word of every map, sorted as whole strings.
func TestCmdlineWordsAreSortedAsTheOfficialProviderSortsThem(t *testing.T) {
	perWord := []any{
		map[string]any{"root": "LABEL=root"}, map[string]any{"_": "rw"},
		map[string]any{"console": "ttyS0"}, map[string]any{"console": "hvc0"},
	}
	d := parseDomain(providerkit.NewReader(props(map[string]any{"name": "g1", "cmdlines": perWord})))
	// The map order put hvc0 last (the primary console); sorting puts ttyS0 last.
	if want := "console=hvc0 console=ttyS0 root=LABEL=root rw"; d.Cmdline != want {
		t.Fatalf("cmdline %q, want %q", d.Cmdline, want)
	}
	x, err := domainXML(d, nil, "")
	if err != nil || !strings.Contains(x, "<cmdline>console=hvc0 console=ttyS0 root=LABEL=root rw</cmdline>") {
		t.Fatalf("the domain XML's cmdline is the sorted line: %v\n%s", err, x)
	}
}

// libvirt/utils_domain_def.go splitKernelCmdLine: how Read gives the line back.
func TestCmdlineIsReadBackAsTheOfficialProviderSplitsIt(t *testing.T) {
	for _, c := range []struct {
		line string
		want []map[string]string
	}{
		{"", nil},
		{"console=hvc0 console=ttyS0 root=LABEL=root rw", []map[string]string{{"console": "hvc0"}, {"console": "ttyS0", "root": "LABEL=root"}, {"_": "rw"}}},
		{"quiet a=1 b=2 a=3 splash", []map[string]string{{"a": "1", "b": "2"}, {"a": "3"}, {"_": "quiet splash"}}},
		{"x==y", []map[string]string{{"x": "=y"}}},
	} {
		if got := splitKernelCmdline(c.line); !reflect.DeepEqual(got, c.want) {
			t.Errorf("split %q: %v, want %v", c.line, got, c.want)
		}
		// The read-back form builds the same line again, where the line is already sorted.
		if got := kernelCmdline(splitKernelCmdline(c.line)); sort.StringsAreSorted(strings.Split(c.line, " ")) && got != c.line {
			t.Errorf("the read-back form of %q builds %q", c.line, got)
		}
	}
}

// libvirt/resource_libvirt_domain.go: cmdline is ForceNew and Read stores it split, so cmdlines
// in any other form replace the domain on every later update; the NICs, kernel and initrd are not
// ForceNew (updated in place); vcpu and xml.xslt are.
func TestDomainDiffAsTheOfficialProvider(t *testing.T) {
	perWord := []any{map[string]any{"root": "LABEL=root"}, map[string]any{"_": "rw"}, map[string]any{"console": "ttyS0"}}
	readBack := []any{map[string]any{"console": "ttyS0", "root": "LABEL=root"}, map[string]any{"_": "rw"}}
	base := map[string]any{
		"name": "g1", "type": "qemu", "vcpu": 1.0, "kernel": "/k", "initrd": "/i",
		"networkInterfaces": []any{map[string]any{"macvtap": "pnic0"}},
		"xml":               map[string]any{"xslt": "<a/>"},
	}
	with := func(changes map[string]any) resource.PropertyMap {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		return props(m)
	}
	created := func(inputs resource.PropertyMap) resource.PropertyMap {
		return domainState(inputs, parseDomain(providerkit.NewReader(inputs)))
	}
	for _, c := range []struct {
		name            string
		state, news     resource.PropertyMap
		diffs, replaces string
	}{
		{"cmdlines one map per word: replaced on every update", created(with(map[string]any{"cmdlines": perWord})), with(map[string]any{"cmdlines": perWord}), "cmdlines", "cmdlines"},
		{"cmdlines in the read-back form: no change", created(with(map[string]any{"cmdlines": readBack})), with(map[string]any{"cmdlines": readBack}), "", ""},
		{"a NIC's source: in place", created(with(nil)), with(map[string]any{"networkInterfaces": []any{map[string]any{"macvtap": "pnic1"}}}), "networkInterfaces", ""},
		{"kernel and initrd: in place", created(with(nil)), with(map[string]any{"kernel": "/k2", "initrd": "/i2"}), "initrd,kernel", ""},
		{"vcpu and xml.xslt: replaced", created(with(nil)), with(map[string]any{"vcpu": 2.0, "xml": map[string]any{"xslt": "<b/>"}}), "vcpu,xml", "vcpu,xml"},
		{"an unknown kernel: in place", created(with(nil)), with(map[string]any{"kernel": resource.MakeComputed(resource.NewProperty(""))}), "kernel", ""},
	} {
		got := domainDiff(c.state, c.news)
		if strings.Join(got.GetDiffs(), ",") != c.diffs || strings.Join(got.GetReplaces(), ",") != c.replaces {
			t.Errorf("%s: diffs %v replaces %v, want %q and %q", c.name, got.GetDiffs(), got.GetReplaces(), c.diffs, c.replaces)
		}
		if (c.diffs == "") != (got.GetChanges() == pulumirpc.DiffResponse_DIFF_NONE) || got.GetDeleteBeforeReplace() != (c.replaces != "") {
			t.Errorf("%s: changes %v, delete before replace %v", c.name, got.GetChanges(), got.GetDeleteBeforeReplace())
		}
	}
}

// fakeDomains answers a Domain update's calls and records them.
type fakeDomains struct {
	active int32
	calls  []string
}

func (f *fakeDomains) DomainLookupByName(name string) (golibvirt.Domain, error) {
	return golibvirt.Domain{Name: name}, nil
}
func (f *fakeDomains) DomainIsActive(golibvirt.Domain) (int32, error) { return f.active, nil }
func (f *fakeDomains) DomainCreate(golibvirt.Domain) error {
	f.calls = append(f.calls, "start")
	return nil
}
func (f *fakeDomains) DomainSetAutostart(_ golibvirt.Domain, v int32) error {
	f.calls = append(f.calls, fmt.Sprintf("autostart %d", v))
	return nil
}
func (f *fakeDomains) DomainUpdateDeviceFlags(_ golibvirt.Domain, x string, flags golibvirt.DomainDeviceModifyFlags) error {
	src := x[strings.Index(x, "<source"):]
	f.calls = append(f.calls, fmt.Sprintf("device %s flags %d", src[:strings.Index(src, ">")+1], flags))
	return nil
}

// libvirt/resource_libvirt_domain.go resourceLibvirtDomainUpdate: start the domain if it is not
// running, swap the cloud-init CD-ROM live and in the definition, set autostart; a changed NIC,
// kernel or initrd does nothing to the host.
func TestDomainUpdateDoesWhatTheOfficialProviderDoes(t *testing.T) {
	old := domainInputs{Name: "g1", Kernel: "/k", CloudInit: "key1;g1-init.iso", NICs: []domainNIC{{Macvtap: "pnic0"}}}
	for _, c := range []struct {
		name   string
		active int32
		change func(d *domainInputs)
		calls  string
	}{
		{"NIC and kernel changed, running: nothing", 1, func(d *domainInputs) { d.NICs = []domainNIC{{Macvtap: "pnic1"}}; d.Kernel = "/k2" }, ""},
		{"stopped: started", 0, func(*domainInputs) {}, "start"},
		{"cloudinit changed: swapped", 1, func(d *domainInputs) { d.CloudInit = "key2;g1-init.iso" }, `device <source file="/pool/new.iso"> flags 3`},
		{"autostart changed", 1, func(d *domainInputs) { d.Autostart = true }, "autostart 1"},
	} {
		f := &fakeDomains{active: c.active}
		d := old
		c.change(&d)
		if err := updateDomain(f, old, d, "/pool/new.iso"); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := strings.Join(f.calls, ","); got != c.calls {
			t.Errorf("%s: calls %q, want %q", c.name, got, c.calls)
		}
	}
}

// libvirt/domain_def.go newDomainDef: the devices and features every domain gets.
func TestDomainXMLHasTheOfficialDefaults(t *testing.T) {
	d := parseDomain(providerkit.NewReader(props(map[string]any{"name": "g1", "type": "qemu"})))
	x, err := domainXML(d, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<graphics type="spice" autoport="yes">`, `name="org.qemu.guest_agent.0"`,
		`<rng model="virtio">`, `<backend model="random">/dev/urandom</backend>`, `<pae>`, `<acpi>`, `<apic>`, `<cpu>`, `<memory unit="MiB">512</memory>`,
	} {
		if !strings.Contains(x, want) {
			t.Errorf("the domain XML lacks %s:\n%s", want, x)
		}
	}
	if strings.Contains(x, "on_poweroff") {
		t.Errorf("the official provider sets no lifecycle actions (libvirt's defaults):\n%s", x)
	}
	t.Setenv("TF_LIBVIRT_RNG_DEV", "/dev/hwrng")
	if x, _ := domainXML(d, nil, ""); !strings.Contains(x, `<backend model="random">/dev/hwrng</backend>`) {
		t.Errorf("TF_LIBVIRT_RNG_DEV names the RNG's device:\n%s", x)
	}
}

// fakeVolumes answers StorageVolCreateXML with createErr.
type fakeVolumes struct{ createErr error }

func (f fakeVolumes) StorageVolCreateXML(golibvirt.StoragePool, string, golibvirt.StorageVolCreateFlags) (golibvirt.StorageVol, error) {
	return golibvirt.StorageVol{Name: "new", Key: "/pool/new"}, f.createErr
}
func (f fakeVolumes) StorageVolLookupByName(_ golibvirt.StoragePool, name string) (golibvirt.StorageVol, error) {
	return golibvirt.StorageVol{Name: name, Key: "/pool/" + name + "-existing"}, nil
}

// libvirt/resource_libvirt_volume.go resourceLibvirtVolumeCreate: a volume whose name exists is
// taken as it is; any other error is an error.
func TestExistingVolumeIsAdoptedAsTheOfficialProviderDoes(t *testing.T) {
	exists := golibvirt.Error{Code: uint32(golibvirt.ErrStorageVolExist), Message: "storage volume 'g1.qcow2' exists already"}
	vol, adopted, err := createOrAdoptVolume(fakeVolumes{createErr: exists}, golibvirt.StoragePool{}, "g1.qcow2", "<volume/>")
	if err != nil || !adopted || vol.Key != "/pool/g1.qcow2-existing" {
		t.Fatalf("an existing volume is adopted: %v %v %v", vol, adopted, err)
	}
	vol, adopted, err = createOrAdoptVolume(fakeVolumes{}, golibvirt.StoragePool{}, "g1.qcow2", "<volume/>")
	if err != nil || adopted || vol.Key != "/pool/new" {
		t.Fatalf("a new volume is created: %v %v %v", vol, adopted, err)
	}
	other := golibvirt.Error{Code: uint32(golibvirt.ErrOperationFailed), Message: "no space"}
	if _, _, err := createOrAdoptVolume(fakeVolumes{createErr: other}, golibvirt.StoragePool{}, "g1.qcow2", "<volume/>"); !errors.As(err, &golibvirt.Error{}) {
		t.Fatalf("another error is an error: %v", err)
	}
}

// libvirt/resource_libvirt_volume.go (size with source is an error) and libvirt/volume_def.go
// newDefVolume (an empty volume without size is 1 byte).
func TestVolumeSizeRulesAsTheOfficialProvider(t *testing.T) {
	r := providerkit.NewReader(props(map[string]any{"name": "v", "source": "/img.qcow2", "size": 1024.0}))
	parseVolume(r)
	if f := r.Failures(); len(f) != 1 || f[0].GetProperty() != "size" {
		t.Fatalf("size with source is refused: %v", f)
	}
	r = providerkit.NewReader(props(map[string]any{"name": "v"}))
	if v := parseVolume(r); len(r.Failures()) != 0 || v.Size != 1 {
		t.Fatalf("an empty volume without size is 1 byte: %+v %v", v, r.Failures())
	}
}
