package main

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

	"hvnetlab/engine/plugins/internal/providerkit"
)

var unmarshal = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
	hv hypervisor
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: schemaJSON()}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig: another URI is another hypervisor, so the resources on it are replaced.
func (p *provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), unmarshal)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshal)
	if err != nil {
		return nil, err
	}
	if news["uri"].ContainsUnknowns() || !olds["uri"].DeepEquals(news["uri"]) {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{"uri"}, Replaces: []string{"uri"}}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	uri := os.Getenv("LIBVIRT_DEFAULT_URI")
	if args := req.GetArgs(); args != nil {
		if v, ok := args.GetFields()["uri"]; ok && v.GetStringValue() != "" {
			uri = v.GetStringValue()
		}
	} else if v, ok := req.GetVariables()["libvirt:config:uri"]; ok && v != "" {
		uri = v
	}
	p.hv.close()
	p.hv.uri = uri
	return &pulumirpc.ConfigureResponse{SupportsPreview: true}, nil
}

// inputsOf reads and checks a resource's inputs by its type.
func inputsOf(typ string, m resource.PropertyMap) (any, []*pulumirpc.CheckFailure, bool, error) {
	r := providerkit.NewReader(m)
	var in any
	switch typ {
	case poolType:
		in = parsePool(r)
	case volumeType:
		in = parseVolume(r)
	case cloudInitDiskType:
		in = parseCloudInit(r)
	case domainType:
		in = parseDomain(r)
	default:
		return nil, nil, false, rpcerror.New(codes.Unimplemented, fmt.Sprintf(
			"%s is not implemented by hvnetlab's libvirt provider (it serves Pool, Volume, CloudInitDisk and Domain)", typ))
	}
	return in, r.Failures(), r.Unknown(), nil
}

func typeOf(typ, urn string) string {
	if typ != "" {
		return typ
	}
	return providerkit.TypeFromURN(urn)
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshal)
	if err != nil {
		return nil, err
	}
	_, failures, _, err := inputsOf(typeOf(req.GetType(), req.GetUrn()), news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

// Diff: every input of these resources is fixed at creation, as in the official provider (they
// are ForceNew there), so any change replaces the resource, deleting the old one first (the
// names would collide).
func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
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
	return providerkit.ReplaceOnAnyChange(olds, news), nil
}

func (p *provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	typ := typeOf(req.GetType(), req.GetUrn())
	props, err := plugin.UnmarshalProperties(req.GetProperties(), unmarshal)
	if err != nil {
		return nil, err
	}
	in, failures, unknown, err := inputsOf(typ, props)
	if err != nil {
		return nil, err
	}
	if len(failures) > 0 {
		return nil, providerkit.CheckError(failures)
	}
	if req.GetPreview() || unknown {
		s, err := plugin.MarshalProperties(props, unmarshal)
		return &pulumirpc.CreateResponse{Properties: s}, err
	}
	l, err := p.hv.get()
	if err != nil {
		return nil, err
	}
	var id string
	switch v := in.(type) {
	case poolInputs:
		id, err = createPool(l, v)
	case volumeInputs:
		id, err = createVolume(l, v)
	case cloudInitInputs:
		id, err = createCloudInit(l, v)
	case domainInputs:
		id, err = createDomain(l, v)
	}
	if err != nil {
		return nil, err
	}
	s, err := plugin.MarshalProperties(props, unmarshal)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: s}, nil
}

// Read (refresh) drops a resource that is gone from the host, and keeps the state otherwise.
func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	state, err := plugin.UnmarshalProperties(req.GetProperties(), unmarshal)
	if err != nil {
		return nil, err
	}
	l, err := p.hv.get()
	if err != nil {
		return nil, err
	}
	ok, err := exists(l, typeOf("", req.GetUrn()), req.GetId(), nameOf(state))
	if err != nil {
		return nil, err
	}
	if !ok {
		return &pulumirpc.ReadResponse{}, nil
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func nameOf(state resource.PropertyMap) string {
	if v, ok := state["name"]; ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func (p *provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	state, err := plugin.UnmarshalProperties(req.GetProperties(), unmarshal)
	if err != nil {
		return nil, err
	}
	l, err := p.hv.get()
	if err != nil {
		return nil, err
	}
	switch typeOf("", req.GetUrn()) {
	case poolType:
		err = deletePool(l, nameOf(state))
	case volumeType:
		err = deleteVolume(l, req.GetId())
	case cloudInitDiskType:
		err = deleteVolume(l, cloudInitKey(req.GetId()))
	case domainType:
		err = deleteDomain(l, nameOf(state))
	}
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (p *provider) Update(context.Context, *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return nil, rpcerror.New(codes.Unimplemented, "hvnetlab's libvirt resources are replaced on any change, never updated")
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
