package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	golibvirt "github.com/digitalocean/go-libvirt"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"hvnetlab/engine/plugins/internal/providerkit"
)

func props(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func TestDomainXMLHasEveryDevice(t *testing.T) {
	d := parseDomain(providerkit.NewReader(props(map[string]any{
		"name": "g1", "type": "qemu", "vcpu": 2.0, "memory": 1024.0,
		"kernel": "/boot/vmlinuz", "initrd": "/boot/initrd.img",
		"cmdlines": []any{map[string]any{"root": "/dev/vda", "console": "ttyS0"}, map[string]any{"_": "quiet"}},
		"networkInterfaces": []any{
			map[string]any{"bridge": "mgmt0", "mac": "02:00:00:00:00:01"},
			map[string]any{"macvtap": "pnic0", "mac": "02:00:00:00:00:02"},
		},
		"consoles": []any{map[string]any{"type": "pty", "targetPort": "0", "targetType": "serial"}},
		"cpu":      map[string]any{"mode": "host-passthrough"},
	})))
	x, err := domainXML(d, []attachedDisk{{Path: "/pool/g1.qcow2", Format: "qcow2"}}, "/pool/g1-init.iso")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<domain type="qemu">`, `<memory unit="MiB">1024</memory>`, `<vcpu placement="static">2</vcpu>`,
		`<kernel>/boot/vmlinuz</kernel>`, `<cmdline>console=ttyS0 quiet root=/dev/vda</cmdline>`,
		`<source file="/pool/g1.qcow2"`, `<target dev="vda" bus="virtio"`, `<driver name="qemu" type="qcow2"`,
		`device="cdrom"`, `<source file="/pool/g1-init.iso"`, `<readonly>`,
		`<interface type="bridge">`, `<source bridge="mgmt0">`, `<mac address="02:00:00:00:00:01">`,
		`<interface type="direct">`, `<source dev="pnic0" mode="bridge">`, `<model type="virtio">`,
		`<console type="pty">`, `<target type="serial" port="0">`, `<cpu mode="host-passthrough">`,
	} {
		if !strings.Contains(x, want) {
			t.Errorf("domain XML lacks %s:\n%s", want, x)
		}
	}
	needTool(t, "virt-xml-validate", "holds the domain XML to libvirt's own schema (Debian: libvirt-clients and libxml2-utils)")
	f := filepath.Join(t.TempDir(), "d.xml")
	_ = os.WriteFile(f, []byte(x), 0o600)
	if out, err := exec.Command("virt-xml-validate", f, "domain").CombinedOutput(); err != nil {
		t.Fatalf("libvirt's schema refuses the XML: %s", out)
	}
}

// needTool stops the test where a tool it needs is missing: a failure under CI=true (setup
// installs every one of them, so a missing one is a setup fault), else a skip that says which
// tool, what it checks and where it comes from. Call it after the checks that do not need it.
func needTool(t *testing.T, name, what string) {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; it %s. scripts/setup.sh installs it", name, what)
	}
	t.Skipf("skipped: %s is not installed; it %s (scripts/setup.sh installs it)", name, what)
}

// isoVolumeID is the volume identifier of an ISO 9660 image: the primary volume descriptor is
// sector 16 (2048-byte sectors) and its identifier bytes 40-71 (ECMA-119, 8.4), space-padded.
func isoVolumeID(iso []byte) (string, error) {
	const pvd = 16 * 2048
	if len(iso) < pvd+72 || iso[pvd] != 1 || string(iso[pvd+1:pvd+6]) != "CD001" {
		return "", errors.New("no ISO 9660 primary volume descriptor at sector 16")
	}
	return strings.TrimRight(string(iso[pvd+40:pvd+72]), " "), nil
}

// TestCloudInitISO builds a CloudInitDisk's ISO as the provider does (with genisoimage) and reads
// it back: the volume id cloud-init's NoCloud source looks for (cidata), and the three files with
// their contents, through isoinfo (Debian's genisoimage package ships both).
func TestCloudInitISO(t *testing.T) {
	needTool(t, "genisoimage", "builds the cloud-init ISO (Debian: genisoimage)")
	c := cloudInitInputs{Name: "g1-init.iso", UserData: "#cloud-config\nhostname: g1\n", MetaData: "instance-id: g1\n", NetworkConfig: "version: 2\n"}
	iso, err := cloudInitISO(c)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := isoVolumeID(iso); err != nil || id != "cidata" {
		t.Fatalf("the ISO's volume id is cidata, got %q (%v)", id, err)
	}
	if _, err := isoVolumeID(iso[:2048]); err == nil {
		t.Fatal("a truncated image has no volume descriptor")
	}
	needTool(t, "isoinfo", "lists and reads the ISO's files (Debian: genisoimage)")
	f := filepath.Join(t.TempDir(), "ci.iso")
	if err := os.WriteFile(f, iso, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"user-data": c.UserData, "meta-data": c.MetaData, "network-config": c.NetworkConfig} {
		out, err := exec.Command("isoinfo", "-R", "-i", f, "-x", "/"+name).Output()
		if err != nil || string(out) != want {
			t.Errorf("%s on the ISO: %q (%v), want %q", name, out, err, want)
		}
	}
	c.NetworkConfig = ""
	iso, err = cloudInitISO(c)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(f, iso, 0o600)
	if out, err := exec.Command("isoinfo", "-R", "-f", "-i", f).Output(); err != nil || strings.Contains(string(out), "network-config") || !strings.Contains(string(out), "/user-data") {
		t.Errorf("without networkConfig the ISO holds user-data and meta-data only: %s (%v)", out, err)
	}
}

func TestChecksNameEveryProblem(t *testing.T) {
	r := providerkit.NewReader(props(map[string]any{
		"type": "bhyve", "vcpu": 0.5,
		"networkInterfaces": []any{map[string]any{"bridge": "a", "macvtap": "b"}, map[string]any{"networkName": "default", "bridge": "x"}},
		"graphics":          map[string]any{"type": "spice"},
	}))
	parseDomain(r)
	got := map[string]bool{}
	for _, f := range r.Failures() {
		got[f.Property] = true
	}
	for _, want := range []string{"name", "type", "vcpu", "networkInterfaces[0].bridge", "networkInterfaces[1].networkName", "graphics"} {
		if !got[want] {
			t.Errorf("no failure for %s: %v", want, r.Failures())
		}
	}
	pr := providerkit.NewReader(props(map[string]any{"name": "p", "type": "logical"}))
	parsePool(pr)
	if len(pr.Failures()) != 2 {
		t.Fatalf("a logical pool without a path: %v", pr.Failures())
	}
}

// TestAgainstLibvirtd creates and deletes every resource type on the local libvirtd (root, with
// libvirtd running; skipped otherwise, saying why): a pool, an uploaded base image, a
// copy-on-write layer, a cloud-init ISO and a defined domain, then checks that nothing is left.
func TestAgainstLibvirtd(t *testing.T) {
	// Skipped even under CI: `npm test` runs without libvirtd, which only `npm run lab:qemu`
	// starts (and that lab drives this provider against it through the engine).
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root, to reach libvirtd's system socket")
	}
	if _, err := os.Stat("/var/run/libvirt/libvirt-sock"); err != nil {
		t.Skip("skipped: libvirtd is not running. `npm test` does not start it: `npm run lab:qemu` does, and drives this provider against it; " +
			"to run this test, start it as root (`libvirtd -d`) and run `go test ./cmd/pulumi-resource-libvirt -run TestAgainstLibvirtd`")
	}
	needTool(t, "qemu-img", "makes the base image and reads the copy-on-write layer back (Debian: qemu-utils)")
	dir := t.TempDir()
	image := filepath.Join(dir, "base.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-f", "qcow2", image, "64M").CombinedOutput(); err != nil {
		t.Fatalf("%s", out)
	}
	hv := &hypervisor{uri: "qemu:///system"}
	defer hv.close()
	l, err := hv.get()
	if err != nil {
		t.Fatal(err)
	}
	name := "hvnetlab-gotest"
	poolDir := filepath.Join(dir, "pool")
	_ = deleteDomain(l, name)
	_ = deletePool(l, name)
	if _, err := createPool(l, poolInputs{Name: name, Type: "dir", Path: poolDir}); err != nil {
		t.Fatal(err)
	}
	defer deletePool(l, name)
	if _, err := createPool(l, poolInputs{Name: name, Type: "dir", Path: poolDir}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a second pool of that name is refused: %v", err)
	}
	base, err := createVolume(l, volumeInputs{Name: "base.qcow2", Pool: name, Source: image, Format: "qcow2"})
	if err != nil {
		t.Fatal(err)
	}
	_, facts, err := volumeByKey(l, base)
	if err != nil || facts.Capacity != 64<<20 || facts.Format != "qcow2" {
		t.Fatalf("the base volume has the image's virtual size: %+v %v", facts, err)
	}
	layer, err := createVolume(l, volumeInputs{Name: "g1.qcow2", Pool: name, BaseVolumeID: base, Format: "qcow2", Size: 128 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := exec.Command("qemu-img", "info", layer).CombinedOutput(); !strings.Contains(string(out), "backing file: "+facts.Path) || !strings.Contains(string(out), "128 MiB") {
		t.Fatalf("the layer is backed by the base and has its own size: %s", out)
	}
	if _, err := createVolume(l, volumeInputs{Name: "x.qcow2", Pool: name, Source: filepath.Join(dir, "missing.qcow2"), Format: "qcow2"}); err == nil || !strings.Contains(err.Error(), "missing.qcow2") {
		t.Fatalf("a missing image is named: %v", err)
	}
	ci, err := createCloudInit(l, cloudInitInputs{Name: "g1-init.iso", Pool: name, UserData: "#cloud-config\n", MetaData: "instance-id: g1\n"})
	if err != nil {
		t.Fatal(err)
	}
	uploaded, err := os.ReadFile(cloudInitKey(ci))
	if err != nil {
		t.Fatalf("the uploaded ISO volume: %v", err)
	}
	if id, err := isoVolumeID(uploaded); err != nil || id != "cidata" {
		t.Fatalf("the uploaded ISO's volume id is cidata, got %q (%v)", id, err)
	}
	d := parseDomain(providerkit.NewReader(props(map[string]any{
		"name": name, "type": "qemu", "memory": 128.0, "running": false,
		"disks": []any{map[string]any{"volumeId": layer}}, "cloudinit": ci,
		"networkInterfaces": []any{map[string]any{"bridge": "virbr-none"}},
	})))
	if _, err := createDomain(l, d); err != nil {
		t.Fatal(err)
	}
	if xml, err := exec.Command("virsh", "-c", "qemu:///system", "dumpxml", name).Output(); err != nil || !strings.Contains(string(xml), layer) {
		t.Fatalf("the domain is defined with its disk: %v", err)
	}
	for _, step := range []func() error{
		func() error { return deleteDomain(l, name) },
		func() error { return deleteVolume(l, cloudInitKey(ci)) },
		func() error { return deleteVolume(l, layer) },
		func() error { return deleteVolume(l, base) },
		func() error { return deletePool(l, name) },
		func() error { return deleteDomain(l, name) }, // twice: gone is fine
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.StoragePoolLookupByName(name); !notFound(err) {
		t.Fatalf("the pool is gone: %v", err)
	}
	if _, err := os.Stat(poolDir); !os.IsNotExist(err) {
		t.Fatalf("the pool's folder is removed: %v", err)
	}
}

func TestUnreachableURINamesTheHypervisor(t *testing.T) {
	hv := &hypervisor{uri: "qemu+ssh://root@127.0.0.1:1/system?keyfile=/nonexistent&sshauth=privkey&known_hosts_verify=ignore"}
	_, err := hv.get()
	if err == nil || !strings.Contains(err.Error(), "cannot reach libvirt at qemu+ssh://root@127.0.0.1:1/system") || !strings.Contains(err.Error(), "check that libvirtd runs there") {
		t.Fatalf("an unreachable libvirt is named with what to check: %v", err)
	}
	if _, err := (&hypervisor{}).get(); err == nil || !strings.Contains(err.Error(), "no uri") {
		t.Fatalf("a provider without a URI says so: %v", err)
	}
}

// A xen domain is written HVM, as the official provider writes every domain; PV is the XSLT's choice.
func TestXenDomainIsHVMAsTheOfficialProvider(t *testing.T) {
	x, err := domainXMLOf(strings.NewReader(`{"name":"g1","type":"xen","disks":[{"volumeId":"/pool/g1.qcow2"}],"cloudinit":"/pool/g1-init.iso;1"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<domain type="xen">`, `<type arch="x86_64">hvm</type>`, `<source file="/pool/g1.qcow2">`, `<source file="/pool/g1-init.iso">`} {
		if !strings.Contains(x, want) {
			t.Errorf("domain-xml lacks %s:\n%s", want, x)
		}
	}
}

// domain-xml applies the domain's xml.xslt, and refuses inputs the provider refuses.
func TestDomainXMLCommandAppliesTheXSLTAndRefusesBadInputs(t *testing.T) {
	if _, err := exec.LookPath("xsltproc"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xsltproc is missing (Debian: xsltproc)")
		}
		t.Skip("xsltproc is missing (Debian: xsltproc)")
	}
	sheet := `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template><xsl:template match="/domain/os/type/text()">xen</xsl:template></xsl:stylesheet>`
	in, _ := json.Marshal(map[string]any{"name": "g1", "type": "xen", "xml": map[string]any{"xslt": sheet}})
	x, err := domainXMLOf(strings.NewReader(string(in)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(x, `>xen</type>`) {
		t.Errorf("the XSLT was not applied:\n%s", x)
	}
	if _, err := domainXMLOf(strings.NewReader(`{"type":"bhyve"}`)); err == nil || !strings.Contains(err.Error(), "type") {
		t.Errorf("a refused input must fail, naming it: %v", err)
	}
	if _, err := domainXMLOf(strings.NewReader(`not json`)); err == nil {
		t.Error("non-JSON input must fail")
	}
}

// TestDomainOSType: every domain, Xen's included, is written as HVM, as the official provider
// writes every domain; a Xen PV guest is the xen platform's XSLT's choice (hvnetlab:xen.guestMode).
func TestDomainOSType(t *testing.T) {
	for typ, want := range map[string]string{"kvm": ">hvm</type>", "qemu": ">hvm</type>", "xen": ">hvm</type>"} {
		d := parseDomain(providerkit.NewReader(props(map[string]any{"name": "g1", "type": typ, "memory": 512.0})))
		x, err := domainXML(d, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(x, want) {
			t.Errorf("a %s domain's os type is %s:\n%s", typ, want, x)
		}
	}
}

// fakeUndefiner answers DomainUndefineFlags with flagsErr and records what was called.
type fakeUndefiner struct {
	flagsErr error
	calls    []string
}

func (f *fakeUndefiner) DomainUndefineFlags(_ golibvirt.Domain, flags golibvirt.DomainUndefineFlagsValues) error {
	f.calls = append(f.calls, fmt.Sprintf("flags %#x", uint32(flags)))
	return f.flagsErr
}

func (f *fakeUndefiner) DomainUndefine(_ golibvirt.Domain) error {
	f.calls = append(f.calls, "plain")
	return nil
}

func TestUndefineFallsBackWhereTheDriverTakesNoFlags(t *testing.T) {
	// What libvirt's libxl driver answers to VIR_DOMAIN_UNDEFINE_NVRAM (seen in lab:xen's dom0).
	libxl := golibvirt.Error{Code: uint32(golibvirt.ErrInvalidArg), Message: "unsupported flags (0x4) in function libxlDomainUndefineFlags"}
	for _, c := range []struct {
		name  string
		err   error
		calls string
		fails bool
	}{
		{"qemu takes the flag", nil, "flags 0x4", false},
		{"libxl refuses the flag", libxl, "flags 0x4,plain", false},
		{"no undefine flags at all", golibvirt.Error{Code: uint32(golibvirt.ErrNoSupport)}, "flags 0x4,plain", false},
		{"another error is an error", golibvirt.Error{Code: uint32(golibvirt.ErrOperationInvalid)}, "flags 0x4", true},
	} {
		f := &fakeUndefiner{flagsErr: c.err}
		err := undefineDomain(f, golibvirt.Domain{Name: "g1"})
		if got := strings.Join(f.calls, ","); got != c.calls || (err != nil) != c.fails {
			t.Errorf("%s: calls %q, error %v; want calls %q, failing %v", c.name, got, err, c.calls, c.fails)
		}
	}
}
