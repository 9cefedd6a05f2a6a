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
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"hvnetlab/engine/plugins/internal/pluginserver"
)

// version is the SDK version this provider serves (the bindings request it).
var version = "0.5.4"

func main() {
	pluginserver.ServeProvider("pulumi-resource-libvirt", version, func(string) (pulumirpc.ResourceProviderServer, func(), error) {
		p := newProvider()
		return p, p.hv.close, nil
	})
}
