package main

import (
	kit "hvnetlab/engine/plugins/internal/providerkit"
)

// schemaJSON is the package schema this provider reports: the resources, functions, inputs and
// nested types it implements, with the tokens, names and types of the official vsphere 4.17.0
// schema (a subset of it).
func schemaJSON() string {
	str, secret, integer, boolean := kit.String, kit.SecretString, kit.Integer, kit.Boolean
	strings := kit.ArrayOf(str)
	arrayOf, object, resource := kit.ArrayOf, kit.Object, kit.Resource
	ref := func(t string) kit.Spec { return kit.Ref("vsphere", t) }
	function := func(outputs kit.Spec) kit.Spec {
		return kit.Spec{
			"inputs":  object(kit.Spec{"name": str, "datacenterId": str}, "name"),
			"outputs": object(outputs),
		}
	}
	return kit.PackageSchema("vsphere", version, kit.Spec{
		"config": kit.Spec{"variables": kit.Spec{
			"vsphereServer": str, "user": str, "password": secret, "allowUnverifiedSsl": boolean,
		}},
		"provider": kit.Spec{"inputProperties": kit.Spec{
			"vsphereServer": str, "user": str, "password": secret, "allowUnverifiedSsl": boolean,
		}},
		"resources": kit.Spec{
			vswitchType: resource("A standard vSwitch on one host.", kit.Spec{
				"name": str, "hostSystemId": str, "networkAdapters": strings, "activeNics": strings, "standbyNics": strings,
				"mtu": integer, "numberOfPorts": integer,
			}, nil, "name", "hostSystemId", "networkAdapters", "activeNics"),
			portGroupType: resource("A port group on a standard vSwitch.", kit.Spec{
				"name": str, "hostSystemId": str, "virtualSwitchName": str, "vlanId": integer,
			}, nil, "name", "hostSystemId", "virtualSwitchName"),
			vmType: resource("A virtual machine cloned from a template.", kit.Spec{
				"name": str, "resourcePoolId": str, "hostSystemId": str, "datastoreId": str, "numCpus": integer, "memory": integer,
				"guestId": str, "scsiType": str, "firmware": str, "waitForGuestNetTimeout": integer,
				"waitForGuestNetRoutable": boolean,
				"disks":                   arrayOf(ref("VirtualMachineDisk")), "networkInterfaces": arrayOf(ref("VirtualMachineNetworkInterface")),
				"clone": ref("VirtualMachineClone"),
			}, kit.Spec{"moid": str, "uuid": str, "defaultIpAddress": str}, "resourcePoolId"),
		},
		"functions": kit.Spec{
			getDatacenterToken:     function(kit.Spec{"id": str, "name": str}),
			getHostToken:           function(kit.Spec{"id": str, "name": str, "resourcePoolId": str}),
			getDatastoreToken:      function(kit.Spec{"id": str, "name": str}),
			getNetworkToken:        function(kit.Spec{"id": str, "name": str, "type": str}),
			getVirtualMachineToken: function(kit.Spec{"id": str, "name": str, "guestId": str, "scsiType": str, "firmware": str, "disks": arrayOf(object(kit.Spec{"label": str, "size": integer, "thinProvisioned": boolean, "eagerlyScrub": boolean}))}),
		},
		"types": kit.Spec{
			"vsphere:index/VirtualMachineDisk:VirtualMachineDisk": object(kit.Spec{
				"label": str, "size": integer, "thinProvisioned": boolean, "eagerlyScrub": boolean,
			}, "label"),
			"vsphere:index/VirtualMachineNetworkInterface:VirtualMachineNetworkInterface": object(kit.Spec{
				"networkId": str, "adapterType": str,
			}, "networkId"),
			"vsphere:index/VirtualMachineClone:VirtualMachineClone": object(kit.Spec{
				"templateUuid": str, "linkedClone": boolean, "customize": ref("VirtualMachineCloneCustomize"),
			}, "templateUuid"),
			"vsphere:index/VirtualMachineCloneCustomize:VirtualMachineCloneCustomize": object(kit.Spec{
				"linuxOptions": ref("VirtualMachineCloneCustomizeLinuxOptions"), "ipv4Gateway": str,
				"networkInterfaces": arrayOf(ref("VirtualMachineCloneCustomizeNetworkInterface")), "timeout": integer,
			}),
			"vsphere:index/VirtualMachineCloneCustomizeLinuxOptions:VirtualMachineCloneCustomizeLinuxOptions": object(kit.Spec{
				"hostName": str, "domain": str, "scriptText": str, "timeZone": str, "hwClockUtc": boolean,
			}, "hostName", "domain"),
			"vsphere:index/VirtualMachineCloneCustomizeNetworkInterface:VirtualMachineCloneCustomizeNetworkInterface": object(kit.Spec{
				"ipv4Address": str, "ipv4Netmask": integer,
			}),
		},
	})
}
