// Command pulumi-resource-libvirt is the resource provider behind the libvirt resources this
// project's kvm and xen platforms register: Pool, Volume, CloudInitDisk and Domain, with the
// tokens, input names and plugin version of the official @pulumi/libvirt 0.5.4 SDK.
//
// The official provider bridges terraform-provider-libvirt, whose modules the Go module proxy
// these machines reach does not serve; this one speaks libvirt's RPC protocol itself through
// github.com/digitalocean/go-libvirt (qemu:///system, qemu+ssh://, xen+ssh://, ...) and writes
// the XML with libvirt.org/go/libvirtxml. It implements the inputs its schema lists and refuses
// the others by name. Every input is fixed at creation: a change replaces the resource.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"hvnetlab/engine/plugins/internal/pluginserver"
	"hvnetlab/engine/plugins/internal/providerkit"
)

// version is the SDK version this provider serves (the bindings request it).
var version = "0.5.4"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "domain-xml" {
		x, err := domainXMLOf(os.Stdin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "pulumi-resource-libvirt domain-xml: %v\n", err)
			os.Exit(2)
		}
		fmt.Print(x)
		return
	}
	pluginserver.ServeProvider("pulumi-resource-libvirt", version, func(string) (pulumirpc.ResourceProviderServer, func(), error) {
		p := newProvider()
		return p, p.hv.close, nil
	})
}

// domainXMLOf answers `pulumi-resource-libvirt domain-xml`: it reads a Domain's inputs as JSON
// (the shape the program registers) on stdin and returns the XML the provider would define for
// them, xml.xslt applied, without connecting to libvirt: each disk's volumeId stands for the
// volume's path (qcow2) and the cloudinit id for the ISO's, as volume keys are paths. The same
// code defines domains in Create; tests hold this output to libvirt's schema.
func domainXMLOf(in io.Reader) (string, error) {
	var m map[string]any
	if err := json.NewDecoder(in).Decode(&m); err != nil {
		return "", fmt.Errorf("stdin is not a JSON object of Domain inputs: %w", err)
	}
	r := providerkit.NewReader(resource.NewPropertyMapFromMap(m))
	d := parseDomain(r)
	if f := r.Failures(); len(f) > 0 {
		var why []string
		for _, x := range f {
			why = append(why, x.Property+": "+x.Reason)
		}
		return "", fmt.Errorf("the inputs are refused: %s", strings.Join(why, "; "))
	}
	var disks []attachedDisk
	for _, key := range d.Disks {
		disks = append(disks, attachedDisk{Path: key, Format: "qcow2"})
	}
	iso := ""
	if d.CloudInit != "" {
		iso = cloudInitKey(d.CloudInit)
	}
	return definitionXML(d, disks, iso)
}
