package main

import (
	"context"
	"reflect"
	"sync"
	"testing"
)

// The `logging` input says which streams reach the engine's progress display, as @pulumi/command
// 1.2.1 documents it ("stdout": stdout but not stderr, "stderr": stderr but not stdout,
// "stdoutAndStderr", "none"); the outputs carry both streams whatever it says.
func TestLoggingChoosesTheStreamsShownAndKeepsBothOutputs(t *testing.T) {
	for _, c := range []struct {
		logging string
		want    []string
	}{
		{"stdout", []string{"results"}},
		{"stderr", []string{"progress"}},
		{"stdoutAndStderr", []string{"progress", "results"}},
		{"none", nil},
		{"", []string{"progress", "results"}}, // unset: both, the documented default
	} {
		inputs := map[string]any{}
		if c.logging != "" {
			inputs["logging"] = c.logging
		}
		in, failures := parseInputs(localCommandType, props(inputs))
		if len(failures) > 0 {
			t.Fatalf("%q: %v", c.logging, failures)
		}
		var (
			mu     sync.Mutex
			logged []string
		)
		// stderr first and flushed before stdout is written, so that the order of the lines is fixed.
		res, err := runCommand(context.Background(), "echo progress >&2; sleep 0.2; echo results", in, nil,
			func(l string) { mu.Lock(); logged = append(logged, l); mu.Unlock() })
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(logged, c.want) {
			t.Errorf("logging %q showed %q, want %q", c.logging, logged, c.want)
		}
		if res.Stdout != "results" || res.Stderr != "progress" {
			t.Errorf("logging %q changed the outputs: %q / %q", c.logging, res.Stdout, res.Stderr)
		}
	}
}
