package providerkit

import (
	"context"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Unmarshal keeps unknowns (previews) and drops nulls; secrets arrive unwrapped, since the
// providers do not accept them, and the engine marks as secret every output whose input was.
var Unmarshal = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}

// InputsFunc reads and checks a resource's inputs by its type; a type the provider does not
// serve is an error.
type InputsFunc func(typ string, m resource.PropertyMap) (any, Reader, error)

// Base answers what this project's providers answer alike: their version and schema, config as
// given, no cancel, a read that keeps the state, and for providers whose resources are fixed at
// creation (Inputs set), the check of their inputs, a diff that replaces on any change, and no
// update. A provider embeds it and defines what differs.
type Base struct {
	pulumirpc.UnimplementedResourceProviderServer
	// Name is how messages name the provider (libvirt, vSphere, command).
	Name    string
	Version string
	Schema  func() string
	Inputs  InputsFunc
}

func (b *Base) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: b.Version}, nil
}

func (b *Base) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: b.Schema()}, nil
}

func (b *Base) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (b *Base) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (b *Base) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{SupportsPreview: true}, nil
}

func (b *Base) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Read (pulumi refresh) keeps the state as it is.
func (b *Base) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// Check reports every problem of the inputs, each naming its property.
func (b *Base) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := plugin.UnmarshalProperties(req.GetNews(), Unmarshal)
	if err != nil {
		return nil, err
	}
	_, r, err := b.Inputs(TypeOf(req.GetType(), req.GetUrn()), news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: r.Failures()}, nil
}

// Diff replaces the resource on any change of its inputs (the old inputs, else its state's).
func (b *Base) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := plugin.UnmarshalProperties(req.GetOldInputs(), Unmarshal)
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = plugin.UnmarshalProperties(req.GetOlds(), Unmarshal); err != nil {
			return nil, err
		}
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), Unmarshal)
	if err != nil {
		return nil, err
	}
	return ReplaceOnAnyChange(olds, news), nil
}

func (b *Base) Update(context.Context, *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return nil, rpcerror.New(codes.Unimplemented, fmt.Sprintf("hvnetlab's %s resources are replaced on any change, never updated", b.Name))
}

// TypeOf is the resource's type: from the request, else from its URN.
func TypeOf(typ, urn string) string {
	if typ != "" {
		return typ
	}
	return TypeFromURN(urn)
}

// ConfigReader reads a provider's configuration at Configure: each key from the provider's
// inputs (secrets unwrapped), else the stack config `<pkg>:config:<key>`, else the environment
// variable named; "" when none is set.
func ConfigReader(req *pulumirpc.ConfigureRequest, pkg string) (func(key, env string) string, error) {
	// Secrets (a password) arrive wrapped; unmarshalling without KeepSecrets unwraps them.
	args, err := plugin.UnmarshalProperties(req.GetArgs(), plugin.MarshalOptions{SkipNulls: true})
	if err != nil {
		return nil, err
	}
	return func(key, env string) string {
		if v, ok := args[resource.PropertyKey(key)]; ok {
			if v.IsSecret() {
				v = v.SecretValue().Element
			}
			if v.IsString() && v.StringValue() != "" {
				return v.StringValue()
			}
			if v.IsBool() {
				return fmt.Sprint(v.BoolValue())
			}
		}
		if v := req.GetVariables()[pkg+":config:"+key]; v != "" {
			return v
		}
		return os.Getenv(env)
	}, nil
}

// Planned reads and checks a Create's inputs: a problem is an error. known is false in a preview
// or while an input is unknown, when nothing may be created yet. props are the inputs, to copy
// into the state.
func (b *Base) Planned(req *pulumirpc.CreateRequest) (in any, props resource.PropertyMap, known bool, err error) {
	props, err = plugin.UnmarshalProperties(req.GetProperties(), Unmarshal)
	if err != nil {
		return nil, nil, false, err
	}
	in, r, err := b.Inputs(TypeOf(req.GetType(), req.GetUrn()), props)
	if err != nil {
		return nil, nil, false, err
	}
	if f := r.Failures(); len(f) > 0 {
		return nil, nil, false, CheckError(f)
	}
	return in, props, !req.GetPreview() && !r.Unknown(), nil
}

// Created is the answer to a Create: the id (empty in a preview) and the state.
func Created(id string, state resource.PropertyMap) (*pulumirpc.CreateResponse, error) {
	s, err := plugin.MarshalProperties(state, Unmarshal)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: s}, nil
}
