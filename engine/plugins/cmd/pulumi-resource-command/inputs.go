package main

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"hvnetlab/engine/plugins/internal/providerkit"
)

// Resource types this provider serves.
const (
	localCommandType  = "command:local:Command"
	remoteCommandType = "command:remote:Command"
)

// outputKeys are the properties a Command adds to its inputs in its state.
var outputKeys = []resource.PropertyKey{"stdout", "stderr", "assets", "archive"}

// logging says which of the command's streams are shown in the engine's progress.
type logging string

const (
	logStdout          logging = "stdout"
	logStderr          logging = "stderr"
	logStdoutAndStderr logging = "stdoutAndStderr"
	logNone            logging = "none"
)

func (l logging) stdout() bool { return l == logStdout || l == logStdoutAndStderr }
func (l logging) stderr() bool { return l == logStderr || l == logStdoutAndStderr }

// commandInputs are a local Command's inputs, once checked. Unknown values (in a preview) leave
// their field at its zero value and set unknown.
type commandInputs struct {
	Create, Update, Delete *string
	Stdin                  string
	Dir                    string
	Interpreter            []string
	Environment            map[string]string
	Logging                logging
	AddPreviousOutputInEnv bool
	// Connection is where a remote Command runs (nil for a local one).
	Connection *sshConnection
	unknown    bool
}

// parseInputs reads and checks a local or remote Command's inputs. Every problem is returned,
// each naming the property and what it must be.
func parseInputs(typ string, m resource.PropertyMap) (commandInputs, []*pulumirpc.CheckFailure) {
	in := commandInputs{Logging: logStdoutAndStderr, AddPreviousOutputInEnv: true}
	var failures []*pulumirpc.CheckFailure
	fail := func(key, format string, args ...any) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: key, Reason: fmt.Sprintf(format, args...)})
	}
	str := func(key string) *string {
		v, ok := m[resource.PropertyKey(key)]
		if !ok || v.IsNull() {
			return nil
		}
		if v.ContainsUnknowns() {
			in.unknown = true
			return nil
		}
		if !v.IsString() {
			fail(key, "%s must be a string, got %s", key, v.TypeString())
			return nil
		}
		s := v.StringValue()
		return &s
	}
	in.Create, in.Update, in.Delete = str("create"), str("update"), str("delete")
	if s := str("stdin"); s != nil {
		in.Stdin = *s
	}
	if s := str("dir"); s != nil {
		in.Dir = *s
	}
	if s := str("logging"); s != nil {
		switch l := logging(*s); l {
		case logStdout, logStderr, logStdoutAndStderr, logNone:
			in.Logging = l
		default:
			fail("logging", "logging must be one of stdout, stderr, stdoutAndStderr, none; got %q", *s)
		}
	}
	if v, ok := m["addPreviousOutputInEnv"]; ok && !v.IsNull() {
		switch {
		case v.ContainsUnknowns():
			in.unknown = true
		case v.IsBool():
			in.AddPreviousOutputInEnv = v.BoolValue()
		default:
			fail("addPreviousOutputInEnv", "addPreviousOutputInEnv must be a boolean, got %s", v.TypeString())
		}
	}
	if v, ok := m["interpreter"]; ok && !v.IsNull() {
		switch {
		case v.ContainsUnknowns():
			in.unknown = true
		case v.IsArray():
			for i, e := range v.ArrayValue() {
				if !e.IsString() {
					fail("interpreter", "interpreter[%d] must be a string, got %s", i, e.TypeString())
					continue
				}
				in.Interpreter = append(in.Interpreter, e.StringValue())
			}
		default:
			fail("interpreter", "interpreter must be a list of strings, got %s", v.TypeString())
		}
	}
	if v, ok := m["environment"]; ok && !v.IsNull() {
		switch {
		case v.ContainsUnknowns():
			in.unknown = true
		case v.IsObject():
			in.Environment = map[string]string{}
			for k, e := range v.ObjectValue() {
				if !e.IsString() {
					fail("environment", "environment.%s must be a string, got %s", k, e.TypeString())
					continue
				}
				in.Environment[string(k)] = e.StringValue()
			}
		default:
			fail("environment", "environment must be a map of strings, got %s", v.TypeString())
		}
	}
	v, hasConnection := m["connection"]
	switch {
	case typ == remoteCommandType && (!hasConnection || v.IsNull()):
		fail("connection", "connection is required: the SSH host, user and key of the machine to run on")
	case typ == remoteCommandType && v.ContainsUnknowns():
		in.unknown = true
	case typ == remoteCommandType:
		r := providerkit.NewReader(m)
		if conn, ok := r.Object("connection"); ok {
			in.Connection = parseConnection(conn)
		}
		failures = append(failures, r.Failures()...)
	case hasConnection && !v.IsNull():
		fail("connection", "connection belongs to command:remote:Command; a local Command runs on this machine")
	}
	localOnly := []string{"dir", "interpreter"}
	if typ == remoteCommandType {
		for _, key := range localOnly {
			if v, ok := m[resource.PropertyKey(key)]; ok && !v.IsNull() {
				fail(key, "%s is an input of command:local:Command only; a remote command runs in the user's login shell", key)
			}
		}
	}
	for _, key := range []string{"assetPaths", "archivePaths"} {
		if v, ok := m[resource.PropertyKey(key)]; ok && !v.IsNull() {
			fail(key, "%s is not supported by this provider (hvnetlab's command provider); collect files in the command itself", key)
		}
	}
	return in, failures
}

// inputsOf strips the outputs from a Command's state, leaving the inputs it was created with.
func inputsOf(state resource.PropertyMap) resource.PropertyMap {
	in := state.Copy()
	for _, k := range outputKeys {
		delete(in, k)
	}
	return in
}

// diffInputs compares a Command's old inputs with its new ones: a change of `triggers` replaces the
// resource, any other change updates it (running `update`, or else `create`).
func diffInputs(olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	keys := map[resource.PropertyKey]struct{}{}
	for k := range olds {
		keys[k] = struct{}{}
	}
	for k := range news {
		keys[k] = struct{}{}
	}
	var changed []string
	var replaces []string
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for k := range keys {
		o, hasOld := olds[k]
		n, hasNew := news[k]
		if hasOld && o.IsNull() {
			hasOld = false
		}
		if hasNew && n.IsNull() {
			hasNew = false
		}
		if !hasOld && !hasNew {
			continue
		}
		if hasOld && hasNew && !n.ContainsUnknowns() && o.DeepEquals(n) {
			continue
		}
		replace := k == "triggers"
		kind := diffKind(hasOld, hasNew, replace)
		if replace {
			replaces = append(replaces, string(k))
		}
		changed = append(changed, string(k))
		detailed[string(k)] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	sort.Strings(changed)
	sort.Strings(replaces)
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true}
	}
	return &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_SOME,
		Diffs:           changed,
		Replaces:        replaces,
		DetailedDiff:    detailed,
		HasDetailedDiff: true,
	}
}

// diffKind is the kind of a property's change: added, deleted or updated, replacing or not.
func diffKind(hasOld, hasNew, replace bool) pulumirpc.PropertyDiff_Kind {
	switch {
	case !hasOld && replace:
		return pulumirpc.PropertyDiff_ADD_REPLACE
	case !hasOld:
		return pulumirpc.PropertyDiff_ADD
	case !hasNew && replace:
		return pulumirpc.PropertyDiff_DELETE_REPLACE
	case !hasNew:
		return pulumirpc.PropertyDiff_DELETE
	case replace:
		return pulumirpc.PropertyDiff_UPDATE_REPLACE
	default:
		return pulumirpc.PropertyDiff_UPDATE
	}
}
