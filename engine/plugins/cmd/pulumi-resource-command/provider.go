package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"hvnetlab/engine/plugins/internal/providerkit"
)

var unmarshal = providerkit.Unmarshal

type provider struct {
	providerkit.Base
	engine pulumirpc.EngineClient

	// ctx ends when the engine cancels the operation (Ctrl-C): every running command is stopped.
	ctx    context.Context
	cancel context.CancelFunc
}

func newProvider(engineAddress string) (*provider, error) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &provider{Base: providerkit.Base{Name: "command", Version: version, Schema: schemaJSON}, ctx: ctx, cancel: cancel}
	if engineAddress != "" {
		conn, err := grpc.NewClient(engineAddress, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			cancel()
			return nil, fmt.Errorf("cannot reach the engine at %s: %w", engineAddress, err)
		}
		p.engine = pulumirpc.NewEngineClient(conn)
	}
	return p, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	p.cancel()
	return &emptypb.Empty{}, nil
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	typ, err := supported(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshal)
	if err != nil {
		return nil, err
	}
	_, failures := parseInputs(typ, news)
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := p.oldInputs(req.GetOldInputs(), req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshal)
	if err != nil {
		return nil, err
	}
	return diffInputs(olds, news), nil
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	typ, err := supported(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	props, err := plugin.UnmarshalProperties(req.GetProperties(), unmarshal)
	if err != nil {
		return nil, err
	}
	in, failures := parseInputs(typ, props)
	if len(failures) > 0 {
		return nil, providerkit.CheckError(failures)
	}
	id, err := resource.NewUniqueHex(providerkit.ResourceName(req.GetName(), req.GetUrn()), 8, 0)
	if err != nil {
		return nil, err
	}
	state := props.Copy()
	if req.GetPreview() {
		state["stdout"] = resource.MakeComputed(resource.NewProperty(""))
		state["stderr"] = resource.MakeComputed(resource.NewProperty(""))
		return p.createResponse("", state)
	}
	if in.Create != nil {
		res, runErr := p.run(ctx, req.GetUrn(), *in.Create, in, nil)
		setOutputs(state, res)
		if runErr != nil {
			return nil, initFailed(id, state, props, runErr)
		}
	} else {
		setOutputs(state, runResult{})
	}
	return p.createResponse(id, state)
}

func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), unmarshal)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), unmarshal)
	if err != nil {
		return nil, err
	}
	in, failures := parseInputs(providerkit.TypeFromURN(req.GetUrn()), news)
	if len(failures) > 0 {
		return nil, providerkit.CheckError(failures)
	}
	state := news.Copy()
	prev := previousOf(olds)
	setOutputs(state, runResult{Stdout: prev.Stdout, Stderr: prev.Stderr})
	if req.GetPreview() {
		state["stdout"] = resource.MakeComputed(resource.NewProperty(""))
		state["stderr"] = resource.MakeComputed(resource.NewProperty(""))
		return p.updateResponse(state)
	}
	line := in.Update
	if line == nil {
		line = in.Create
	}
	if line != nil {
		res, runErr := p.run(ctx, req.GetUrn(), *line, in, &prev)
		setOutputs(state, res)
		if runErr != nil {
			return nil, initFailed(req.GetId(), state, news, runErr)
		}
	}
	return p.updateResponse(state)
}

func (p *provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	state, err := plugin.UnmarshalProperties(req.GetProperties(), unmarshal)
	if err != nil {
		return nil, err
	}
	in, _ := parseInputs(providerkit.TypeFromURN(req.GetUrn()), inputsOf(state))
	if in.Delete == nil {
		return &emptypb.Empty{}, nil
	}
	prev := previousOf(state)
	if _, err := p.run(ctx, req.GetUrn(), *in.Delete, in, &prev); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// run runs one of the Command's command lines, stopped when either the request or the whole
// operation is cancelled, showing its output lines in the engine's progress for this resource.
func (p *provider) run(ctx context.Context, urn, line string, in commandInputs, prev *previous) (runResult, error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		select {
		case <-p.ctx.Done():
			stop()
		case <-ctx.Done():
		}
	}()
	var mu sync.Mutex
	log := func(text string) {
		if p.engine == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		_, _ = p.engine.Log(context.Background(), &pulumirpc.LogRequest{
			Severity: pulumirpc.LogSeverity_INFO, Message: text, Urn: urn, Ephemeral: true,
		})
	}
	if in.Connection != nil {
		return runRemote(ctx, line, in, prev, log)
	}
	return runCommand(ctx, line, in, prev, log)
}

func (p *provider) oldInputs(oldInputs, olds *structpb.Struct) (resource.PropertyMap, error) {
	if oldInputs != nil && len(oldInputs.GetFields()) > 0 {
		return plugin.UnmarshalProperties(oldInputs, unmarshal)
	}
	state, err := plugin.UnmarshalProperties(olds, unmarshal)
	if err != nil {
		return nil, err
	}
	return inputsOf(state), nil
}

func (p *provider) createResponse(id string, state resource.PropertyMap) (*pulumirpc.CreateResponse, error) {
	s, err := plugin.MarshalProperties(state, unmarshal)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: s}, nil
}

func (p *provider) updateResponse(state resource.PropertyMap) (*pulumirpc.UpdateResponse, error) {
	s, err := plugin.MarshalProperties(state, unmarshal)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: s}, nil
}

// supported returns the resource's type, or refuses the types this provider does not implement,
// naming them.
func supported(typ, urn string) (string, error) {
	if typ == "" {
		typ = providerkit.TypeFromURN(urn)
	}
	if typ == localCommandType || typ == remoteCommandType {
		return typ, nil
	}
	return typ, rpcerror.New(codes.Unimplemented, fmt.Sprintf(
		"%s is not implemented by hvnetlab's command provider (it serves %s and %s only)", typ, localCommandType, remoteCommandType))
}

func setOutputs(state resource.PropertyMap, res runResult) {
	state["stdout"] = resource.NewProperty(res.Stdout)
	state["stderr"] = resource.NewProperty(res.Stderr)
}

func previousOf(state resource.PropertyMap) previous {
	var prev previous
	if v, ok := state["stdout"]; ok && v.IsString() {
		prev.Stdout = v.StringValue()
	}
	if v, ok := state["stderr"]; ok && v.IsString() {
		prev.Stderr = v.StringValue()
	}
	return prev
}

// initFailed reports a command that failed after the resource came to exist: the engine keeps it
// in the state (so `pulumi destroy` runs its delete command) and shows the reason.
func initFailed(id string, state, inputs resource.PropertyMap, cause error) error {
	props, err := plugin.MarshalProperties(state, unmarshal)
	if err != nil {
		return err
	}
	ins, err := plugin.MarshalProperties(inputs, unmarshal)
	if err != nil {
		return err
	}
	return rpcerror.WithDetails(rpcerror.New(codes.Unknown, cause.Error()), &pulumirpc.ErrorResourceInitFailed{
		Id: id, Properties: props, Inputs: ins, Reasons: []string{cause.Error()},
	})
}
