package main

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"

	"hvnetlab/engine/plugins/internal/providerkit"
)

var unmarshal = providerkit.Unmarshal

// provider serves the libvirt resources; Base checks their inputs and replaces Pools, Volumes and
// CloudInitDisks on any change (their inputs are ForceNew in the official provider); a Domain is
// diffed and updated as the official provider does it (domain_update.go).
type provider struct {
	providerkit.Base
	hv hypervisor
}

func newProvider() *provider {
	return &provider{Base: providerkit.Base{Name: "libvirt", Version: version, Schema: schemaJSON, Inputs: inputsOf}}
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
	get, err := providerkit.ConfigReader(req, "libvirt")
	if err != nil {
		return nil, err
	}
	uri := get("uri", "LIBVIRT_DEFAULT_URI")
	p.hv.close()
	p.hv.uri = uri
	return &pulumirpc.ConfigureResponse{SupportsPreview: true}, nil
}

// inputsOf reads and checks a resource's inputs by its type.
func inputsOf(typ string, m resource.PropertyMap) (any, providerkit.Reader, error) {
	r := providerkit.NewReader(m)
	switch typ {
	case poolType:
		return parsePool(r), r, nil
	case volumeType:
		return parseVolume(r), r, nil
	case cloudInitDiskType:
		return parseCloudInit(r), r, nil
	case domainType:
		return parseDomain(r), r, nil
	}
	return nil, r, rpcerror.New(codes.Unimplemented, fmt.Sprintf(
		"%s is not implemented by hvnetlab's libvirt provider (it serves Pool, Volume, CloudInitDisk and Domain)", typ))
}

func (p *provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	in, props, known, err := p.Planned(req)
	if err != nil {
		return nil, err
	}
	if !known {
		return providerkit.Created("", props)
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
		props = domainState(props, v)
	}
	if err != nil {
		return nil, err
	}
	return providerkit.Created(id, props)
}

// Diff: a Domain as the official provider diffs it (domainDiff: some inputs update in place);
// every other resource is replaced on any change, as its inputs are all ForceNew upstream.
func (p *provider) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if providerkit.TypeOf(req.GetType(), req.GetUrn()) != domainType {
		return p.Base.Diff(ctx, req)
	}
	state, err := plugin.UnmarshalProperties(req.GetOlds(), unmarshal)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshal)
	if err != nil {
		return nil, err
	}
	return domainDiff(state, news), nil
}

// Update applies a Domain's in-place changes as the official provider does (updateDomain), and
// records the new inputs.
func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if providerkit.TypeOf(req.GetType(), req.GetUrn()) != domainType {
		return p.Base.Update(ctx, req)
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshal)
	if err != nil {
		return nil, err
	}
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), unmarshal)
	if err != nil {
		return nil, err
	}
	r := providerkit.NewReader(news)
	d := parseDomain(r)
	if f := r.Failures(); len(f) > 0 {
		return nil, providerkit.CheckError(f)
	}
	if !req.GetPreview() && !r.Unknown() {
		old := parseDomain(providerkit.NewReader(olds))
		l, err := p.hv.get()
		if err != nil {
			return nil, err
		}
		iso := ""
		if d.CloudInit != old.CloudInit && d.CloudInit != "" {
			_, f, err := volumeByKey(l, cloudInitKey(d.CloudInit))
			if err != nil {
				return nil, fmt.Errorf("cloudinit %s: %w", d.CloudInit, err)
			}
			iso = f.Path
		}
		if err := updateDomain(l, old, d, iso); err != nil {
			return nil, err
		}
	}
	state, err := plugin.MarshalProperties(domainState(news, d), unmarshal)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: state}, nil
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
	ok, err := exists(l, providerkit.TypeOf("", req.GetUrn()), req.GetId(), nameOf(state))
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
	switch providerkit.TypeOf("", req.GetUrn()) {
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
