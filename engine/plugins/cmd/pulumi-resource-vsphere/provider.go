package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"

	"hvnetlab/engine/plugins/internal/providerkit"
)

var unmarshal = providerkit.Unmarshal

// provider serves the vSphere resources and lookups; Base checks their inputs and replaces them on
// any change (the old one deleted first: the names would collide); Update only keeps a state whose
// inputs did not change.
type provider struct {
	providerkit.Base
	vc vcenter
}

func newProvider() *provider {
	return &provider{Base: providerkit.Base{Name: "vSphere", Version: version, Schema: schemaJSON, Inputs: inputsOf}}
}

// providerKeys are the provider inputs this provider reads; "version" and "pluginDownloadURL" are
// the engine's own.
var providerKeys = []string{"vsphereServer", "user", "password", "allowUnverifiedSsl", "version", "pluginDownloadURL"}

// CheckConfig refuses, by name, every provider input this provider does not read (the official
// provider's apiTimeout, persistSession, ...), where it would otherwise ignore it.
func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshal)
	if err != nil {
		return nil, err
	}
	r := providerkit.NewReader(news)
	r.Only(providerKeys...)
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: r.Failures()}, nil
}

// Configure takes the connection from the provider's inputs, else from the VSPHERE_* variables
// (as the upstream provider does).
func (p *provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	get, err := providerkit.ConfigReader(req, "vsphere")
	if err != nil {
		return nil, err
	}
	p.vc.close()
	p.vc.server = get("vsphereServer", "VSPHERE_SERVER")
	p.vc.user = get("user", "VSPHERE_USER")
	p.vc.password = get("password", "VSPHERE_PASSWORD")
	insecure := get("allowUnverifiedSsl", "VSPHERE_ALLOW_UNVERIFIED_SSL")
	p.vc.insecure = insecure == "true" || insecure == "1"
	return &pulumirpc.ConfigureResponse{SupportsPreview: true}, nil
}

func inputsOf(typ string, m resource.PropertyMap) (any, providerkit.Reader, error) {
	r := providerkit.NewReader(m)
	switch typ {
	case vswitchType:
		return parseVSwitch(r), r, nil
	case portGroupType:
		return parsePortGroup(r), r, nil
	case vmType:
		return parseVM(r), r, nil
	}
	return nil, r, rpcerror.New(codes.Unimplemented, fmt.Sprintf(
		"%s is not implemented by hvnetlab's vSphere provider (it serves HostVirtualSwitch, HostPortGroup and VirtualMachine)", typ))
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	in, props, known, err := p.Planned(req)
	if err != nil {
		return nil, err
	}
	state := props.Copy()
	if !known {
		if _, ok := in.(vmInputs); ok {
			for _, k := range []resource.PropertyKey{"moid", "defaultIpAddress", "uuid"} {
				state[k] = resource.MakeComputed(resource.NewProperty(""))
			}
		}
		return providerkit.Created("", state)
	}
	c, err := p.vc.get(ctx)
	if err != nil {
		return nil, err
	}
	var id string
	switch v := in.(type) {
	case vswitchInputs:
		id, err = createVirtualSwitch(ctx, c, v)
	case portGroupInputs:
		id, err = createPortGroup(ctx, c, v)
	case vmInputs:
		var out vmOutputs
		out, err = createVM(ctx, c, v)
		id = out.UUID
		state["moid"], state["uuid"], state["defaultIpAddress"] = resource.NewProperty(out.Moid), resource.NewProperty(out.UUID), resource.NewProperty(out.DefaultIPAddress)
		if kept := (*vmKept)(nil); errors.As(err, &kept) {
			return nil, initFailed(id, state, kept)
		}
	}
	if err != nil {
		return nil, err
	}
	return providerkit.Created(id, state)
}

// initFailed reports a VM that exists but whose create failed later (power-on, the customization's
// outcome, the guest-network waiter), as the official provider's bridge reports a Terraform create
// that failed with its id set: an ErrorResourceInitFailed detail with the id and the state, so
// that the engine records the VM as a partially created resource and shows the reason.
func initFailed(id string, state resource.PropertyMap, cause error) error {
	props, err := plugin.MarshalProperties(state, unmarshal)
	if err != nil {
		return err
	}
	return rpcerror.WithDetails(rpcerror.New(codes.Unknown, cause.Error()), &pulumirpc.ErrorResourceInitFailed{
		Id: id, Properties: props, Reasons: []string{cause.Error()},
	})
}

// Update answers the engine's update of a resource with unchanged inputs, which it asks for on the
// next `up` after a partially created one (initFailed): the state is kept as it is, as the official
// provider's bridge does when Terraform finds no change. Changed inputs replace the resource
// (Diff) and are never updated.
func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, err := plugin.UnmarshalProperties(req.GetOldInputs(), unmarshal)
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = plugin.UnmarshalProperties(req.GetOlds(), unmarshal); err != nil {
			return nil, err
		}
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshal)
	if err != nil {
		return nil, err
	}
	if providerkit.ReplaceOnAnyChange(olds, news).GetChanges() == pulumirpc.DiffResponse_DIFF_NONE {
		return &pulumirpc.UpdateResponse{Properties: req.GetOlds()}, nil
	}
	return p.Base.Update(ctx, req)
}

func (p *provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	state, err := plugin.UnmarshalProperties(req.GetProperties(), unmarshal)
	if err != nil {
		return nil, err
	}
	c, err := p.vc.get(ctx)
	if err != nil {
		return nil, err
	}
	// Host-level ids are tf-<Type>:<hostId>:<name>.
	parts := strings.SplitN(req.GetId(), ":", 3)
	switch providerkit.TypeOf("", req.GetUrn()) {
	case vswitchType:
		if len(parts) == 3 {
			err = deleteVirtualSwitch(ctx, c, parts[1], parts[2])
		}
	case portGroupType:
		if len(parts) == 3 {
			err = deletePortGroup(ctx, c, parts[1], parts[2])
		}
	case vmType:
		if v, ok := state["moid"]; ok && v.IsString() && v.StringValue() != "" {
			err = deleteVM(ctx, c, v.StringValue())
		}
	}
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Invoke serves the lookups: each takes a name and, but for getDatacenter, a datacenterId.
func (p *provider) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	args, err := plugin.UnmarshalProperties(req.GetArgs(), unmarshal)
	if err != nil {
		return nil, err
	}
	r := providerkit.NewReader(args)
	name := r.Required("name", "the object's name")
	dc := r.Str("datacenterId")
	r.Only("name", "datacenterId")
	if f := r.Failures(); len(f) > 0 {
		return &pulumirpc.InvokeResponse{Failures: f}, nil
	}
	c, err := p.vc.get(ctx)
	if err != nil {
		return nil, err
	}
	out, err := invoke(ctx, c, req.GetTok(), name, dc)
	if err != nil {
		return nil, err
	}
	s, err := plugin.MarshalProperties(resource.NewPropertyMapFromMap(out), unmarshal)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: s}, nil
}
