// Package providerkit holds what this project's resource providers share: reading a resource's
// type and name from its URN, and the check failures as one error.
package providerkit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
)

// TypeFromURN is the type token of a URN (urn:pulumi:stack::project::[parent$]type::name).
func TypeFromURN(urn string) string {
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return ""
	}
	types := strings.Split(parts[2], "$")
	return types[len(types)-1]
}

// ResourceName is the resource's name, from the request or else its URN.
func ResourceName(name, urn string) string {
	if name != "" {
		return name
	}
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return "resource"
}

// CheckError is the check failures of a resource's inputs as one InvalidArgument error.
func CheckError(failures []*pulumirpc.CheckFailure) error {
	reasons := make([]string, 0, len(failures))
	for _, f := range failures {
		reasons = append(reasons, f.GetReason())
	}
	return rpcerror.New(codes.InvalidArgument, strings.Join(reasons, "; "))
}

// Reader reads typed inputs from a property map and collects every problem, each naming the
// property. Unknown values (a preview) leave their field unset and set unknown.
type Reader struct {
	M        resource.PropertyMap
	prefix   string
	failures *[]*pulumirpc.CheckFailure
	unknown  *bool
}

// NewReader reads m.
func NewReader(m resource.PropertyMap) Reader {
	return Reader{M: m, failures: &[]*pulumirpc.CheckFailure{}, unknown: new(bool)}
}

// Fail records a problem of key ("" for the object read itself).
func (r Reader) Fail(key, format string, args ...any) {
	name := r.prefix + key
	if key == "" {
		// The object read itself.
		name = strings.TrimSuffix(r.prefix, ".")
	}
	*r.failures = append(*r.failures, &pulumirpc.CheckFailure{Property: name, Reason: name + " " + fmt.Sprintf(format, args...)})
}

// value is the property's value, unwrapped from a secret; ok is false when it is absent, null or
// unknown.
func (r Reader) Value(key string) (resource.PropertyValue, bool) {
	v, ok := r.M[resource.PropertyKey(key)]
	if ok && v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !ok || v.IsNull() {
		return v, false
	}
	if v.ContainsUnknowns() {
		*r.unknown = true
		return v, false
	}
	return v, true
}

func (r Reader) Str(key string) string {
	v, ok := r.Value(key)
	if !ok {
		return ""
	}
	if !v.IsString() {
		r.Fail(key, "must be a string, got %s", v.TypeString())
		return ""
	}
	return v.StringValue()
}

func (r Reader) Required(key, what string) string {
	s := r.Str(key)
	if _, ok := r.Value(key); !ok && !*r.unknown {
		r.Fail(key, "is required: %s", what)
	}
	return s
}

func (r Reader) Number(key string, least float64) float64 {
	v, ok := r.Value(key)
	if !ok {
		return 0
	}
	// Non-string inputs may arrive JSON-encoded, as the official SDKs send them.
	if v.IsString() {
		var f float64
		if _, err := fmt.Sscan(v.StringValue(), &f); err == nil {
			v = resource.NewProperty(f)
		}
	}
	if !v.IsNumber() || v.NumberValue() < least || v.NumberValue() != float64(int64(v.NumberValue())) {
		r.Fail(key, "must be a whole number of at least %v, got %v", least, v)
		return 0
	}
	return v.NumberValue()
}

func (r Reader) Boolean(key string, dflt bool) bool {
	v, ok := r.Value(key)
	if !ok {
		return dflt
	}
	if v.IsString() && (v.StringValue() == "true" || v.StringValue() == "false") {
		return v.StringValue() == "true"
	}
	if !v.IsBool() {
		r.Fail(key, "must be a boolean, got %s", v.TypeString())
		return dflt
	}
	return v.BoolValue()
}

// object reads a nested object; ok is false when it is absent or unknown.
func (r Reader) Object(key string) (Reader, bool) {
	v, ok := r.Value(key)
	if !ok {
		return Reader{}, false
	}
	if !v.IsObject() {
		r.Fail(key, "must be an object, got %s", v.TypeString())
		return Reader{}, false
	}
	return Reader{M: v.ObjectValue(), prefix: r.prefix + key + ".", failures: r.failures, unknown: r.unknown}, true
}

// list reads a list of objects.
func (r Reader) List(key string) []Reader {
	v, ok := r.Value(key)
	if !ok {
		return nil
	}
	if !v.IsArray() {
		r.Fail(key, "must be a list, got %s", v.TypeString())
		return nil
	}
	var out []Reader
	for i, e := range v.ArrayValue() {
		if e.IsSecret() {
			e = e.SecretValue().Element
		}
		if e.ContainsUnknowns() {
			*r.unknown = true
			continue
		}
		if !e.IsObject() {
			r.Fail(fmt.Sprintf("%s[%d]", key, i), "must be an object, got %s", e.TypeString())
			continue
		}
		out = append(out, Reader{M: e.ObjectValue(), prefix: fmt.Sprintf("%s%s[%d].", r.prefix, key, i), failures: r.failures, unknown: r.unknown})
	}
	return out
}

// refuse fails on inputs of the official schema that this provider does not implement.
func (r Reader) Refuse(keys ...string) {
	for _, k := range keys {
		if _, ok := r.Value(k); ok {
			r.Fail(k, "is not supported by this provider")
		}
	}
}

// Only fails on every input present that is not one of keys: an input of the official schema
// that this provider does not read would otherwise be accepted and silently ignored. Keys the
// engine adds itself (starting with "__") are left alone.
func (r Reader) Only(keys ...string) {
	for _, k := range r.M.StableKeys() {
		name := string(k)
		if strings.HasPrefix(name, "__") || slices.Contains(keys, name) {
			continue
		}
		if _, ok := r.Value(name); ok {
			r.Fail(name, "is not implemented by this provider, which would ignore it: remove it (it reads only %s)", strings.Join(keys, ", "))
		}
	}
}

// Failures are the problems found so far.
func (r Reader) Failures() []*pulumirpc.CheckFailure { return *r.failures }

// Unknown says whether a value read was unknown (a preview).
func (r Reader) Unknown() bool { return *r.unknown }

// Strings reads a list of strings.
func (r Reader) Strings(key string) []string {
	v, ok := r.Value(key)
	if !ok {
		return nil
	}
	if !v.IsArray() {
		r.Fail(key, "must be a list of strings, got %s", v.TypeString())
		return nil
	}
	var out []string
	for i, e := range v.ArrayValue() {
		if e.ContainsUnknowns() {
			*r.unknown = true
			continue
		}
		if !e.IsString() {
			r.Fail(fmt.Sprintf("%s[%d]", key, i), "must be a string, got %s", e.TypeString())
			continue
		}
		out = append(out, e.StringValue())
	}
	return out
}

// ChangedKeys are the inputs that differ between olds and news, then those whose new value is
// unknown (a preview), each once.
func ChangedKeys(olds, news resource.PropertyMap) []string {
	var changed []string
	seen := map[string]bool{}
	for _, k := range olds.Diff(news).ChangedKeys() {
		changed = append(changed, string(k))
		seen[string(k)] = true
	}
	for k, v := range news {
		if v.ContainsUnknowns() && !seen[string(k)] {
			changed = append(changed, string(k))
		}
	}
	return changed
}

// ReplaceOnAnyChange is the diff of a resource whose inputs are all fixed at creation: any
// changed (or unknown) input replaces it, the old one deleted first (the names would collide).
func ReplaceOnAnyChange(olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	changed := ChangedKeys(olds, news)
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed, Replaces: changed, DeleteBeforeReplace: true}
}
