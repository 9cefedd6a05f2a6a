package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestRunArguments(t *testing.T) {
	req := &pulumirpc.RunRequest{
		Project: "hvnetlab", Stack: "local", MonitorAddress: "127.0.0.1:1", DryRun: true, Parallel: 4,
		Info: &pulumirpc.ProgramInfo{RootDirectory: "/p", ProgramDirectory: "/p", EntryPoint: "."},
	}
	got := strings.Join(runArguments(req, "/run.js", "127.0.0.1:2"), " ")
	want := "/run.js --monitor 127.0.0.1:1 --engine 127.0.0.1:2 --project hvnetlab --root-directory /p --stack local --pwd /p --dry-run --parallel 4 ."
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestRunEnvironment(t *testing.T) {
	req := &pulumirpc.RunRequest{Config: map[string]string{"hvnetlab:guests": "2"}, ConfigSecretKeys: []string{"hvnetlab:key"}}
	env, err := runEnvironment(req, map[string]any{"typescript": true})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(env, "\n")
	for _, want := range []string{`PULUMI_CONFIG={"hvnetlab:config:guests":"2"}`, `PULUMI_CONFIG_SECRET_KEYS=["hvnetlab:key"]`, "PULUMI_NODEJS_TYPESCRIPT=true"} {
		if !strings.Contains(joined, want) {
			t.Fatalf("missing %s in\n%s", want, joined)
		}
	}
	env, _ = runEnvironment(&pulumirpc.RunRequest{}, map[string]any{"typescript": false})
	if strings.Contains(strings.Join(env, "\n"), "TYPESCRIPT") {
		t.Fatal("typescript: false must not enable ts-node")
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRequiredPackages(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "node_modules/@pulumi/command/package.json"), `{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true,"name":"command","version":"1.2.1"}}`)
	write(t, filepath.Join(dir, "node_modules/@pulumi/pulumi/package.json"), `{"name":"@pulumi/pulumi","version":"3.270.0"}`)
	write(t, filepath.Join(dir, "node_modules/left-pad/package.json"), `{"name":"left-pad","version":"1.0.0"}`)
	deps, err := requiredPackages(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || deps[0].Name != "command" || deps[0].Version != "v1.2.1" {
		t.Fatalf("deps: %+v", deps)
	}
	if _, err := requiredPackages(t.TempDir()); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("no node_modules: %v", err)
	}
}

func TestFindInNodeModulesWalksUp(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "node_modules", runEntryPoint), "")
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if p, err := findInNodeModules(sub, runEntryPoint); err != nil || !strings.HasPrefix(p, dir) {
		t.Fatalf("%q %v", p, err)
	}
}

func TestPolicyPackArguments(t *testing.T) {
	got := policyPackArguments("/p/node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js", []string{"127.0.0.1:4000"}, "/p/policy")
	want := []string{"/p/node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js", "127.0.0.1:4000", "/p/policy"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestStreamWriterCopies(t *testing.T) {
	var got [][]byte
	w := streamWriter(func(b []byte) { got = append(got, b) })
	buf := []byte("port 1\n")
	_, _ = w.Write(buf)
	buf[0] = 'X'
	if string(got[0]) != "port 1\n" {
		t.Fatalf("the writer kept the caller's buffer: %q", got[0])
	}
}

func TestRequiredPackagesFromAParentNodeModules(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "node_modules", "@pulumi", "command", "package.json"),
		`{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true}}`)
	program := filepath.Join(dir, "test", "fixtures", "program")
	if err := os.MkdirAll(program, 0o755); err != nil {
		t.Fatal(err)
	}
	deps, err := requiredPackages(program)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || deps[0].Name != "command" || deps[0].Version != "v1.2.1" {
		t.Fatalf("got %+v, want the command plugin v1.2.1 from the parent's node_modules", deps)
	}
}
