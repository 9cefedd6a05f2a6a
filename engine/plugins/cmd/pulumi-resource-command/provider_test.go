package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"hvnetlab/engine/plugins/internal/providerkit"
)

func props(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func TestDiffTriggersReplaceOtherInputsUpdate(t *testing.T) {
	old := props(map[string]any{"create": "echo a", "triggers": []any{"p", "1"}})

	same := diffInputs(old, props(map[string]any{"create": "echo a", "triggers": []any{"p", "1"}}))
	if same.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("unchanged inputs: got %v", same.Changes)
	}

	trig := diffInputs(old, props(map[string]any{"create": "echo a", "triggers": []any{"p", "2"}}))
	if trig.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(trig.Replaces) != 1 || trig.Replaces[0] != "triggers" {
		t.Fatalf("changed triggers must replace: %+v", trig)
	}
	if trig.DetailedDiff["triggers"].Kind != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Fatalf("detailed diff kind: %v", trig.DetailedDiff["triggers"].Kind)
	}

	upd := diffInputs(old, props(map[string]any{"create": "echo b", "triggers": []any{"p", "1"}}))
	if upd.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(upd.Replaces) != 0 || strings.Join(upd.Diffs, ",") != "create" {
		t.Fatalf("changed create must update in place: %+v", upd)
	}

	added := diffInputs(old, props(map[string]any{"create": "echo a", "triggers": []any{"p", "1"}, "delete": "echo bye"}))
	if added.DetailedDiff["delete"].Kind != pulumirpc.PropertyDiff_ADD {
		t.Fatalf("added delete: %+v", added.DetailedDiff)
	}
}

func TestDiffUnknownInputIsAChange(t *testing.T) {
	old := props(map[string]any{"create": "echo a", "stdin": "x"})
	news := props(map[string]any{"create": "echo a"})
	news["stdin"] = resource.MakeComputed(resource.NewProperty(""))
	d := diffInputs(old, news)
	if d.Changes != pulumirpc.DiffResponse_DIFF_SOME || d.Diffs[0] != "stdin" {
		t.Fatalf("an unknown input must count as changed: %+v", d)
	}
}

func TestInputsOfDropsOutputs(t *testing.T) {
	in := inputsOf(props(map[string]any{"create": "x", "stdout": "o", "stderr": "e"}))
	if _, ok := in["stdout"]; ok || len(in) != 1 {
		t.Fatalf("inputsOf: %v", in)
	}
}

func TestParseInputsReportsEveryProblem(t *testing.T) {
	_, failures := parseInputs(localCommandType, props(map[string]any{
		"create": 3.0, "logging": "loud", "environment": map[string]any{"A": 1.0}, "assetPaths": []any{"*"},
	}))
	var got []string
	for _, f := range failures {
		got = append(got, f.Property)
	}
	if strings.Join(got, ",") != "create,logging,environment,assetPaths" {
		t.Fatalf("failures: %v", got)
	}
}

func TestRunCommandOutputsEnvironmentAndStdin(t *testing.T) {
	in, _ := parseInputs(localCommandType, props(map[string]any{"environment": map[string]any{"GREETING": "hi"}, "stdin": "from stdin\n"}))
	var logged []string
	res, err := runCommand(context.Background(), `echo "$GREETING $PULUMI_COMMAND_STDOUT"; cat; echo oops >&2`, in,
		&previous{Stdout: "before"}, func(l string) { logged = append(logged, l) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "hi before\nfrom stdin" || res.Stderr != "oops" {
		t.Fatalf("outputs: %q / %q", res.Stdout, res.Stderr)
	}
	if len(logged) != 3 {
		t.Fatalf("every line is logged: %q", logged)
	}
}

func TestRunCommandFailureCarriesOutput(t *testing.T) {
	in, _ := parseInputs(localCommandType, props(map[string]any{}))
	_, err := runCommand(context.Background(), "echo why >&2; exit 3", in, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "why") {
		t.Fatalf("error: %v", err)
	}
}

func TestRunCommandDoesNotWaitForDaemons(t *testing.T) {
	in, _ := parseInputs(localCommandType, props(map[string]any{}))
	start := time.Now()
	_, err := runCommand(context.Background(), "sleep 30 & echo started", in, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("a background process held the command for %v", d)
	}
}

func TestRunCommandCancelStopsTheProcessGroup(t *testing.T) {
	in, _ := parseInputs(localCommandType, props(map[string]any{}))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := runCommand(ctx, "sleep 30; echo never", in, nil, nil)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("cancel: err=%v after %v", err, time.Since(start))
	}
}

func TestTypeFromURN(t *testing.T) {
	urn := "urn:pulumi:local::hvnetlab::hvnetlab:lab:Lab$command:local:Command::hvnetlab-run"
	if got := providerkit.TypeFromURN(urn); got != localCommandType {
		t.Fatalf("typeFromURN: %q", got)
	}
	if typ, err := supported("", "urn:pulumi:kvm::hvnetlab::command:remote:Command::x"); err != nil || typ != remoteCommandType {
		t.Fatalf("remote commands are served: %q %v", typ, err)
	}
	if _, err := supported("command:remote:CopyToRemote", ""); err == nil {
		t.Fatal("copy resources must be refused")
	}
}
