package main

import "encoding/json"

// schemaJSON is the package schema this provider reports: the resources, functions, inputs and
// nested types it implements, with the tokens, names and types of the official vsphere 4.17.0
// schema (a subset of it).
func schemaJSON() string {
	str := map[string]any{"type": "string"}
	secret := map[string]any{"type": "string", "secret": true}
	integer := map[string]any{"type": "integer"}
	boolean := map[string]any{"type": "boolean"}
	strings := map[string]any{"type": "array", "items": str}
	ref := func(t string) map[string]any { return map[string]any{"$ref": "#/types/vsphere:index/" + t + ":" + t} }
	arrayOf := func(item map[string]any) map[string]any { return map[string]any{"type": "array", "items": item} }
	object := func(props map[string]any, required ...string) map[string]any {
		o := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	resource := func(description string, inputs map[string]any, outputs map[string]any, required ...string) map[string]any {
		props := map[string]any{}
		for k, v := range inputs {
			props[k] = v
		}
		for k, v := range outputs {
			props[k] = v
		}
		return map[string]any{"description": description, "inputProperties": inputs, "properties": props, "requiredInputs": required}
	}
	function := func(outputs map[string]any) map[string]any {
		return map[string]any{
			"inputs":  object(map[string]any{"name": str, "datacenterId": str}, "name"),
			"outputs": object(outputs),
		}
	}
	schema := map[string]any{
		"name":    "vsphere",
		"version": version,
		"meta":    map[string]any{"moduleFormat": "(.*)(?:/[^/]*)"},
		"config": map[string]any{"variables": map[string]any{
			"vsphereServer": str, "user": str, "password": secret, "allowUnverifiedSsl": boolean,
		}},
		"provider": map[string]any{"inputProperties": map[string]any{
			"vsphereServer": str, "user": str, "password": secret, "allowUnverifiedSsl": boolean,
		}},
		"resources": map[string]any{
			vswitchType: resource("A standard vSwitch on one host.", map[string]any{
				"name": str, "hostSystemId": str, "networkAdapters": strings, "activeNics": strings, "standbyNics": strings,
				"mtu": integer, "numberOfPorts": integer,
			}, nil, "name", "hostSystemId", "networkAdapters", "activeNics"),
			portGroupType: resource("A port group on a standard vSwitch.", map[string]any{
				"name": str, "hostSystemId": str, "virtualSwitchName": str, "vlanId": integer,
			}, nil, "name", "hostSystemId", "virtualSwitchName"),
			vmType: resource("A virtual machine cloned from a template.", map[string]any{
				"name": str, "resourcePoolId": str, "hostSystemId": str, "datastoreId": str, "numCpus": integer, "memory": integer,
				"guestId": str, "scsiType": str, "firmware": str, "waitForGuestNetTimeout": integer,
				"disks": arrayOf(ref("VirtualMachineDisk")), "networkInterfaces": arrayOf(ref("VirtualMachineNetworkInterface")),
				"clone": ref("VirtualMachineClone"),
			}, map[string]any{"moid": str, "uuid": str, "defaultIpAddress": str}, "resourcePoolId"),
		},
		"functions": map[string]any{
			getDatacenterToken:     function(map[string]any{"id": str, "name": str}),
			getHostToken:           function(map[string]any{"id": str, "name": str, "resourcePoolId": str}),
			getDatastoreToken:      function(map[string]any{"id": str, "name": str}),
			getNetworkToken:        function(map[string]any{"id": str, "name": str, "type": str}),
			getVirtualMachineToken: function(map[string]any{"id": str, "name": str, "guestId": str, "scsiType": str, "firmware": str, "disks": arrayOf(object(map[string]any{"label": str, "size": integer, "thinProvisioned": boolean, "eagerlyScrub": boolean}))}),
		},
		"types": map[string]any{
			"vsphere:index/VirtualMachineDisk:VirtualMachineDisk": object(map[string]any{
				"label": str, "size": integer, "thinProvisioned": boolean, "eagerlyScrub": boolean,
			}, "label"),
			"vsphere:index/VirtualMachineNetworkInterface:VirtualMachineNetworkInterface": object(map[string]any{
				"networkId": str, "adapterType": str,
			}, "networkId"),
			"vsphere:index/VirtualMachineClone:VirtualMachineClone": object(map[string]any{
				"templateUuid": str, "linkedClone": boolean, "customize": ref("VirtualMachineCloneCustomize"),
			}, "templateUuid"),
			"vsphere:index/VirtualMachineCloneCustomize:VirtualMachineCloneCustomize": object(map[string]any{
				"linuxOptions": ref("VirtualMachineCloneCustomizeLinuxOptions"), "ipv4Gateway": str,
				"networkInterfaces": arrayOf(ref("VirtualMachineCloneCustomizeNetworkInterface")),
			}),
			"vsphere:index/VirtualMachineCloneCustomizeLinuxOptions:VirtualMachineCloneCustomizeLinuxOptions": object(map[string]any{
				"hostName": str, "domain": str, "scriptText": str,
			}, "hostName", "domain"),
			"vsphere:index/VirtualMachineCloneCustomizeNetworkInterface:VirtualMachineCloneCustomizeNetworkInterface": object(map[string]any{
				"ipv4Address": str, "ipv4Netmask": integer,
			}),
		},
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	return string(b)
}
