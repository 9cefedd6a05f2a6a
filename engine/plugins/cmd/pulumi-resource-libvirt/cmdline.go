package main

import (
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// kernelCmdline is the kernel command line a Domain's `cmdlines` make, as the official provider
// makes it (terraform-provider-libvirt v0.8.1, libvirt/domain.go setCmdlineArgs): every map's
// entries become words (`v` for the key "_", else `k=v`), and all the words of all the maps are
// sorted as whole strings, so the order of the maps is lost, then joined by single spaces.
func kernelCmdline(maps []map[string]string) string {
	var words []string
	for _, m := range maps {
		for k, v := range m {
			if k == "_" {
				words = append(words, v)
			} else {
				words = append(words, k+"="+v)
			}
		}
	}
	sort.Strings(words)
	return strings.Join(words, " ")
}

// splitKernelCmdline is a kernel command line as the official provider reads it back into
// `cmdlines` (v0.8.1, libvirt/utils_domain_def.go splitKernelCmdLine): split at every single
// space; a word without "=" joins the bare words; a word k=v (split at the first "=") goes into the
// current map, and a key the current map already holds starts a new map; the bare words come last,
// joined by spaces, in one map under "_". Empty for an empty line.
func splitKernelCmdline(line string) []map[string]string {
	if line == "" {
		return nil
	}
	var out []map[string]string
	var bare []string
	current := map[string]string{}
	for _, word := range strings.Split(line, " ") {
		k, v, ok := strings.Cut(word, "=")
		if !ok {
			bare = append(bare, word)
			continue
		}
		if _, dup := current[k]; dup {
			out = append(out, current)
			current = map[string]string{}
		}
		current[k] = v
	}
	if len(current) > 0 {
		out = append(out, current)
	}
	if len(bare) > 0 {
		out = append(out, map[string]string{"_": strings.Join(bare, " ")})
	}
	return out
}

// cmdlinesProperty is `cmdlines` as a state property: the maps Read gives back for the line.
func cmdlinesProperty(line string) resource.PropertyValue {
	maps := splitKernelCmdline(line)
	arr := make([]resource.PropertyValue, 0, len(maps))
	for _, m := range maps {
		obj := resource.PropertyMap{}
		for k, v := range m {
			obj[resource.PropertyKey(k)] = resource.NewProperty(v)
		}
		arr = append(arr, resource.NewProperty(obj))
	}
	return resource.NewProperty(arr)
}
