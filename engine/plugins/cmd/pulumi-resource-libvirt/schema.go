package main

import (
	kit "hvnetlab/engine/plugins/internal/providerkit"
)

// schemaJSON is the package schema this provider reports: the resources, inputs and nested types
// it implements, with the tokens, names and types of the official libvirt 0.5.4 schema (a subset
// of it), so `pulumi package get-schema` on this binary says exactly what a program may use.
func schemaJSON() string {
	str, boolean := kit.String, kit.Boolean
	ref := func(t string) kit.Spec { return kit.Ref("libvirt", t) }
	return kit.PackageSchema("libvirt", version, kit.Spec{
		"config": kit.Spec{"variables": kit.Spec{"uri": str}},
		"provider": kit.Spec{
			"inputProperties": kit.Spec{"uri": kit.Spec{"type": "string", "defaultInfo": kit.Spec{"environment": []string{"LIBVIRT_DEFAULT_URI"}}}},
		},
		"resources": kit.Spec{
			poolType: kit.Resource("A directory storage pool.",
				kit.Spec{"name": str, "type": str, "target": ref("PoolTarget")}, nil, "name", "type"),
			volumeType: kit.Resource("A storage volume: uploaded from a file or URL, copy-on-write over a base volume, or empty.",
				kit.Spec{"name": str, "pool": str, "source": str, "format": str, "baseVolumeId": str, "size": kit.Integer}, nil),
			cloudInitDiskType: kit.Resource("A NoCloud cloud-init ISO uploaded as a volume.",
				kit.Spec{"name": str, "pool": str, "userData": str, "metaData": str, "networkConfig": str}, nil),
			domainType: kit.Resource("A domain (virtual machine), defined and started.", kit.Spec{
				"name": str, "type": str, "vcpu": kit.Integer, "memory": kit.Integer, "arch": str, "machine": str,
				"kernel": str, "initrd": str, "cmdlines": kit.ArrayOf(kit.MapOf(str)),
				"cloudinit": str, "disks": kit.ArrayOf(ref("DomainDisk")), "networkInterfaces": kit.ArrayOf(ref("DomainNetworkInterface")),
				"consoles": kit.ArrayOf(ref("DomainConsole")), "cpu": ref("DomainCpu"), "xml": ref("DomainXml"),
				"autostart": boolean, "running": boolean, "qemuAgent": boolean,
			}, nil),
		},
		"types": kit.Spec{
			"libvirt:index/PoolTarget:PoolTarget":       kit.Object(kit.Spec{"path": str}),
			"libvirt:index/DomainDisk:DomainDisk":       kit.Object(kit.Spec{"volumeId": str}),
			"libvirt:index/DomainCpu:DomainCpu":         kit.Object(kit.Spec{"mode": str}),
			"libvirt:index/DomainXml:DomainXml":         kit.Object(kit.Spec{"xslt": str}),
			"libvirt:index/DomainConsole:DomainConsole": kit.Object(kit.Spec{"type": str, "targetPort": str, "targetType": str}, "type", "targetPort"),
			"libvirt:index/DomainNetworkInterface:DomainNetworkInterface": kit.Object(kit.Spec{
				"mac": str, "bridge": str, "macvtap": str, "vepa": str, "passthrough": str, "waitForLease": boolean,
			}),
		},
	})
}
