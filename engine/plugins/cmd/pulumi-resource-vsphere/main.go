// Command pulumi-resource-vsphere is the resource provider behind the vSphere resources and
// lookups this project's esx platform registers: HostVirtualSwitch, HostPortGroup and
// VirtualMachine (cloned from a template, customized), and getDatacenter, getHost, getDatastore,
// getNetwork and getVirtualMachine, with the tokens, input names and plugin version of the
// official @pulumi/vsphere 4.17.0 SDK.
//
// The official provider bridges terraform-provider-vsphere, whose modules the Go module proxy
// these machines reach does not serve; this one speaks the vSphere API itself through
// github.com/vmware/govmomi. It implements the inputs its schema lists and refuses the others by
// name. Every input is fixed at creation: a change replaces the resource.
package main

import (
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"hvnetlab/engine/plugins/internal/pluginserver"
)

// version is the SDK version this provider serves (the bindings request it).
var version = "4.17.0"

func main() {
	pluginserver.ServeProvider("pulumi-resource-vsphere", version, func(string) (pulumirpc.ResourceProviderServer, func(), error) {
		p := newProvider()
		return p, p.vc.close, nil
	})
}
