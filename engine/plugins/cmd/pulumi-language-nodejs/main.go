// Command pulumi-language-nodejs is the Node.js language host that the Pulumi engine starts to run
// this project's program.
//
// The engine launches it with its own address as the last argument; it serves the LanguageRuntime
// gRPC service on a free loopback port and prints that port. For each Run it starts
// `node <@pulumi/pulumi>/cmd/run` in the program's directory, pointed at the engine's resource
// monitor, with the stack's configuration in PULUMI_CONFIG, exactly as the Node.js SDK expects.
// GetRequiredPackages lists the resource plugins that the program's node_modules declare, so a
// missing plugin is reported before the program runs.
//
// The upstream language host module is not served by the Go module proxy these machines reach;
// this one implements the subset of the protocol that `pulumi preview/up/destroy/refresh` use.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"hvnetlab/engine/plugins/internal/pluginserver"
)

// version is set at build time (-X main.version=...).
var version = "dev"

// exitAfterActionableMessage is the exit code with which @pulumi/pulumi's run entry point says it
// has already told the user what went wrong; the engine then prints nothing more.
const exitAfterActionableMessage = 32

// runEntryPoint is the module, relative to a node_modules folder, that runs a Pulumi program.
var runEntryPoint = filepath.Join("@pulumi", "pulumi", "cmd", "run", "index.js")

// policyPackEntryPoint is the module that runs a policy pack (an analyzer plugin written in Node.js).
var policyPackEntryPoint = filepath.Join("@pulumi", "pulumi", "cmd", "run-policy-pack", "index.js")

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string

	mu      sync.Mutex
	running map[*exec.Cmd]struct{}
}

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.String("tracing", "", "accepted for compatibility; tracing is not supported")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	h := &host{running: map[*exec.Cmd]struct{}{}}
	if flag.NArg() > 0 {
		h.engineAddress = flag.Arg(flag.NArg() - 1)
	}

	pluginserver.Serve("pulumi-language-nodejs", h.engineAddress,
		func(srv *grpc.Server) { pulumirpc.RegisterLanguageRuntimeServer(srv, h) },
		func() { _, _ = h.Cancel(context.Background(), &emptypb.Empty{}) })
}

func (h *host) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := requiredPackages(req.GetInfo().GetProgramDirectory())
	if err != nil {
		return nil, err
	}
	packages := make([]*pulumirpc.PackageDependency, 0, len(deps))
	for _, d := range deps {
		packages = append(packages, &pulumirpc.PackageDependency{
			Name: d.Name, Kind: "resource", Version: d.Version, Server: d.Server,
		})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	runPath, err := findInNodeModules(programDir, runEntryPoint)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts := info.GetOptions().AsMap()
	nodeArgs, err := nodeArguments(opts)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env, err := runEnvironment(req, opts)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	args := append(nodeArgs, runArguments(req, runPath, h.engineAddress)...)

	cmd := exec.Command("node", args...)
	cmd.Dir = programDir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	started, err := h.runNode(ctx, cmd)
	if !started {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return runResponse(err), nil
}

// RunPlugin runs a plugin written in Node.js: the engine runs policy packs this way (kind
// "analyzer"), passing its own address in Args. The pack's output streams back to the engine,
// which reads the analyzer's port from it; the exit code comes last.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetKind() != "analyzer" {
		return fmt.Errorf("this language host runs policy packs (analyzer plugins) only, not %q plugins", req.GetKind())
	}
	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetProgram()
	}
	entry, err := findInNodeModules(programDir, policyPackEntryPoint)
	if err != nil {
		return err
	}
	nodeArgs, err := nodeArguments(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return err
	}
	cmd := exec.Command("node", append(nodeArgs, policyPackArguments(entry, req.GetArgs(), programDir)...)...)
	// The pack runs in its own folder: @pulumi/policy reads the pack's version from ./package.json.
	cmd.Dir = programDir
	cmd.Env = req.GetEnv()
	if len(cmd.Env) == 0 {
		cmd.Env = os.Environ()
	}
	var sendMu sync.Mutex
	send := func(r *pulumirpc.RunPluginResponse) {
		sendMu.Lock()
		defer sendMu.Unlock()
		_ = server.Send(r)
	}
	cmd.Stdout = streamWriter(func(b []byte) {
		send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	})
	cmd.Stderr = streamWriter(func(b []byte) {
		send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	})
	started, err := h.runNode(server.Context(), cmd)
	if !started {
		return err
	}
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		return err
	}
	send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
	return nil
}

// policyPackArguments is the command line of @pulumi/pulumi's run-policy-pack entry point:
// `RUN <engine-address> <program>`, the engine's address being what it passes in Args.
func policyPackArguments(entry string, args []string, programDir string) []string {
	return append(append([]string{entry}, args...), programDir)
}

// streamWriter hands every write to send, copied (the caller reuses its buffer).
type streamWriter func([]byte)

func (w streamWriter) Write(b []byte) (int, error) {
	w(append([]byte(nil), b...))
	return len(b), nil
}

// runNode starts node, tracks it for Cancel, and waits for it; when ctx ends first it interrupts
// it and waits for it to go. started is false when node could not be started (err says why);
// otherwise err is how it exited.
func (h *host) runNode(ctx context.Context, cmd *exec.Cmd) (started bool, err error) {
	if err := cmd.Start(); err != nil {
		return false, fmt.Errorf("cannot start node: %v (is Node.js on PATH?)", err)
	}
	h.track(cmd, true)
	defer h.track(cmd, false)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		interrupt(cmd)
		err = <-done
	}
	return true, err
}

// Cancel interrupts every running program; the engine calls it when the user interrupts an update.
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.running {
		interrupt(cmd)
	}
	return &emptypb.Empty{}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{Executable: "node", Version: strings.TrimSpace(string(out))}, nil
}

func (h *host) track(cmd *exec.Cmd, on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if on {
		h.running[cmd] = struct{}{}
	} else {
		delete(h.running, cmd)
	}
}

// interrupt asks the program to stop (SIGINT), and kills it if it is still there 10 s later.
func interrupt(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	p := cmd.Process
	time.AfterFunc(10*time.Second, func() { _ = p.Kill() })
}

// runResponse turns the program's exit into the engine's answer.
func runResponse(err error) *pulumirpc.RunResponse {
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if exit.ExitCode() == exitAfterActionableMessage {
			return &pulumirpc.RunResponse{Bail: true}
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exit.ExitCode())}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("cannot run the program: %v", err)}
}

// runArguments is the command line of @pulumi/pulumi's run entry point for one RunRequest.
func runArguments(req *pulumirpc.RunRequest, runPath, engineAddress string) []string {
	args := []string{runPath}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	pwd := req.GetInfo().GetProgramDirectory()
	if pwd == "" {
		pwd = req.GetPwd()
	}
	add("pwd", pwd)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	return append(args, req.GetArgs()...)
}

// runEnvironment is the environment the Node.js SDK reads its configuration from.
func runEnvironment(req *pulumirpc.RunRequest, opts map[string]any) ([]string, error) {
	cfg := make(map[string]string, len(req.GetConfig()))
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return nil, fmt.Errorf("config key %q: %w", k, err)
		}
		cfg[key.Namespace()+":config:"+key.Name()] = v
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := []string{"PULUMI_CONFIG=" + string(cfgJSON), "PULUMI_CONFIG_SECRET_KEYS=" + string(secretJSON)}
	if ts, ok := opts["typescript"].(bool); !ok || ts {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if p, ok := opts["tsconfig"].(string); ok && p != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+p)
	}
	return env, nil
}

// nodeArguments are the runtime option `nodeargs`, split on white space (no shell is involved).
func nodeArguments(opts map[string]any) ([]string, error) {
	raw, ok := opts["nodeargs"]
	if !ok {
		return nil, nil
	}
	s, ok := raw.(string)
	if !ok {
		return nil, fmt.Errorf("runtime option nodeargs must be a string, got %T", raw)
	}
	return strings.Fields(s), nil
}

// findInNodeModules looks for node_modules/<rel> in dir and its parents, as Node's resolver does.
func findInNodeModules(dir, rel string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "node_modules", rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("cannot find node_modules/%s from %s: run `npm ci` in the project first", rel, dir)
		}
	}
}

// pluginPackage is the part of a package.json that declares a Pulumi resource plugin.
type pluginPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  *struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

// dependency is one resource plugin that the program's packages need.
type dependency struct{ Name, Version, Server string }

// requiredPackages lists the resource plugins declared by the packages in the node_modules that
// Node resolves from dir (dir's own or its nearest parent's, including scoped packages), sorted
// by name.
func requiredPackages(dir string) ([]dependency, error) {
	root := filepath.Join(dir, "node_modules")
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "node_modules")); err == nil && st.IsDir() {
			root = filepath.Join(d, "node_modules")
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	var manifests []string
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: run `npm ci` in the project first", root)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "@") {
			scoped, err := os.ReadDir(filepath.Join(root, e.Name()))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				manifests = append(manifests, filepath.Join(root, e.Name(), s.Name(), "package.json"))
			}
		} else {
			manifests = append(manifests, filepath.Join(root, e.Name(), "package.json"))
		}
	}
	var deps []dependency
	for _, m := range manifests {
		data, err := os.ReadFile(m)
		if err != nil {
			continue
		}
		var pkg pluginPackage
		if err := json.Unmarshal(data, &pkg); err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		if pkg.Pulumi == nil || !pkg.Pulumi.Resource {
			continue
		}
		d := dependency{Name: pkg.Pulumi.Name, Version: pkg.Pulumi.Version, Server: pkg.Pulumi.Server}
		if d.Name == "" {
			if !strings.HasPrefix(pkg.Name, "@pulumi/") {
				return nil, fmt.Errorf("%s: a third-party plugin package must name its plugin in pulumi.name", m)
			}
			d.Name = strings.TrimPrefix(pkg.Name, "@pulumi/")
		}
		if d.Version == "" {
			d.Version = pkg.Version
		}
		if d.Version == "" {
			return nil, fmt.Errorf("%s: no version for plugin %s", m, d.Name)
		}
		if !strings.HasPrefix(d.Version, "v") {
			d.Version = "v" + d.Version
		}
		deps = append(deps, d)
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return deps, nil
}
