// Command pulumi-resource-command is the resource provider behind @pulumi/command's
// local and remote Commands, as this project's program uses it.
//
// It implements the local Command of the @pulumi/command 1.2.1 SDK: `create` runs on creation,
// `update` (or else `create`) when an input changes, `delete` on deletion, a change of `triggers`
// replaces the resource, and `stdout`/`stderr` are its outputs. The upstream provider module is
// not served by the Go module proxy these machines reach, so the project builds this one; it
// reports version 1.2.1 so that the SDK's default provider request resolves to it.
//
// `command:remote:Command` runs the same steps over SSH (golang.org/x/crypto/ssh): the connection's
// host, port, user, privateKey or password, retrying a machine that still refuses connections
// (dialErrorLimit, perDialTimeout). The copy resources are refused with an explicit error.
package main

import (
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"hvnetlab/engine/plugins/internal/pluginserver"
)

// version is set at build time (-X main.version=...); it is the SDK version this provider serves.
var version = "1.2.1"

func main() {
	pluginserver.ServeProvider("pulumi-resource-command", version, func(engineAddress string) (pulumirpc.ResourceProviderServer, func(), error) {
		p, err := newProvider(engineAddress)
		if err != nil {
			return nil, nil, err
		}
		return p, p.cancel, nil
	})
}
