// Package pluginserver serves a Pulumi plugin the way the engine expects: a gRPC server on a free
// loopback port whose number goes to stdout, watched engine health, and a clean stop when the
// engine goes away.
package pluginserver

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// healthInterval is how often the engine is checked to be still there.
const healthInterval = 2 * time.Second

// Serve registers the plugin's service, prints the port, and serves until the engine goes away
// (pulumi exited or was killed): then it calls onEngineGone (which stops the plugin's work),
// gives it a second, and returns. Errors are fatal: the plugin cannot work without its server.
func Serve(name, engineAddress string, register func(*grpc.Server), onEngineGone func()) {
	stop := make(chan bool)
	if engineAddress != "" {
		engineGone, gone := context.WithCancel(context.Background())
		if err := rpcutil.Healthcheck(engineGone, engineAddress, healthInterval, gone); err != nil {
			fail(name, "cannot watch the engine", err)
		}
		go func() {
			<-engineGone.Done()
			onEngineGone()
			time.Sleep(time.Second)
			close(stop)
		}()
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			register(srv)
			return nil
		},
	})
	if err != nil {
		fail(name, "cannot serve", err)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail(name, "stopped serving", err)
	}
}

func fail(name, what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %s: %v\n", name, what, err)
	os.Exit(1)
}

// ServeProvider is the main of a resource provider plugin: `-version` prints its version;
// otherwise newProvider makes the provider for the engine's address (the last argument), and it
// is served until the engine goes away, when stop (which newProvider returned) ends its work.
func ServeProvider(name, version string, newProvider func(engineAddress string) (pulumirpc.ResourceProviderServer, func(), error)) {
	if len(os.Args) > 1 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Println(version)
		return
	}
	var engineAddress string
	if len(os.Args) > 1 {
		engineAddress = os.Args[len(os.Args)-1]
	}
	p, stop, err := newProvider(engineAddress)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	Serve(name, engineAddress, func(srv *grpc.Server) { pulumirpc.RegisterResourceProviderServer(srv, p) }, stop)
}
