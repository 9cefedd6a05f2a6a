package main

import "encoding/json"

// schemaJSON is the package schema this provider reports: the resources, inputs and nested types
// it implements, with the tokens, names and types of the official libvirt 0.5.4 schema (a subset
// of it), so `pulumi package get-schema` on this binary says exactly what a program may use.
func schemaJSON() string {
	str := map[string]any{"type": "string"}
	integer := map[string]any{"type": "integer"}
	boolean := map[string]any{"type": "boolean"}
	ref := func(t string) map[string]any { return map[string]any{"$ref": "#/types/libvirt:index/" + t + ":" + t} }
	arrayOf := func(item map[string]any) map[string]any { return map[string]any{"type": "array", "items": item} }
	object := func(props map[string]any, required ...string) map[string]any {
		o := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	resources := map[string]map[string]any{
		poolType: {
			"description": "A directory storage pool.",
			"inputs":      map[string]any{"name": str, "type": str, "target": ref("PoolTarget")},
			"required":    []string{"name", "type"},
		},
		volumeType: {
			"description": "A storage volume: uploaded from a file or URL, copy-on-write over a base volume, or empty.",
			"inputs":      map[string]any{"name": str, "pool": str, "source": str, "format": str, "baseVolumeId": str, "size": integer},
		},
		cloudInitDiskType: {
			"description": "A NoCloud cloud-init ISO uploaded as a volume.",
			"inputs":      map[string]any{"name": str, "pool": str, "userData": str, "metaData": str, "networkConfig": str},
		},
		domainType: {
			"description": "A domain (virtual machine), defined and started.",
			"inputs": map[string]any{
				"name": str, "type": str, "vcpu": integer, "memory": integer, "arch": str, "machine": str,
				"kernel": str, "initrd": str, "cmdlines": arrayOf(map[string]any{"type": "object", "additionalProperties": str}),
				"cloudinit": str, "disks": arrayOf(ref("DomainDisk")), "networkInterfaces": arrayOf(ref("DomainNetworkInterface")),
				"consoles": arrayOf(ref("DomainConsole")), "cpu": ref("DomainCpu"), "xml": ref("DomainXml"),
				"autostart": boolean, "running": boolean, "qemuAgent": boolean,
			},
		},
	}
	types := map[string]any{
		"libvirt:index/PoolTarget:PoolTarget":       object(map[string]any{"path": str}),
		"libvirt:index/DomainDisk:DomainDisk":       object(map[string]any{"volumeId": str}),
		"libvirt:index/DomainCpu:DomainCpu":         object(map[string]any{"mode": str}),
		"libvirt:index/DomainXml:DomainXml":         object(map[string]any{"xslt": str}),
		"libvirt:index/DomainConsole:DomainConsole": object(map[string]any{"type": str, "targetPort": str, "targetType": str}, "type", "targetPort"),
		"libvirt:index/DomainNetworkInterface:DomainNetworkInterface": object(map[string]any{
			"mac": str, "bridge": str, "macvtap": str, "vepa": str, "passthrough": str, "waitForLease": boolean,
		}),
	}
	res := map[string]any{}
	for token, r := range resources {
		spec := map[string]any{
			"description":     r["description"],
			"inputProperties": r["inputs"],
			"properties":      r["inputs"],
		}
		if req, ok := r["required"]; ok {
			spec["requiredInputs"] = req
		}
		res[token] = spec
	}
	schema := map[string]any{
		"name":    "libvirt",
		"version": version,
		// As in the official bridged schema: "index/domain" is module "index".
		"meta":   map[string]any{"moduleFormat": "(.*)(?:/[^/]*)"},
		"config": map[string]any{"variables": map[string]any{"uri": str}},
		"provider": map[string]any{
			"inputProperties": map[string]any{"uri": map[string]any{"type": "string", "defaultInfo": map[string]any{"environment": []string{"LIBVIRT_DEFAULT_URI"}}}},
		},
		"resources": res,
		"types":     types,
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	return string(b)
}
