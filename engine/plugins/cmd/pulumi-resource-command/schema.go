package main

import "encoding/json"

// schemaJSON is the package schema this provider reports: the local and remote Commands, with the
// inputs and outputs it implements (the names and types of the @pulumi/command SDK's).
func schemaJSON() string {
	str := map[string]any{"type": "string"}
	inputs := map[string]any{
		"create":                 str,
		"update":                 str,
		"delete":                 str,
		"stdin":                  str,
		"dir":                    str,
		"logging":                str,
		"interpreter":            map[string]any{"type": "array", "items": str},
		"environment":            map[string]any{"type": "object", "additionalProperties": str},
		"addPreviousOutputInEnv": map[string]any{"type": "boolean"},
		"triggers":               map[string]any{"type": "array", "items": map[string]any{"$ref": "pulumi.json#/Any"}, "replaceOnChanges": true},
	}
	outputs := map[string]any{"stdout": str, "stderr": str}
	for k, v := range inputs {
		outputs[k] = v
	}
	remoteInputs := map[string]any{"connection": connectionSchema()}
	remoteOutputs := map[string]any{}
	for k, v := range inputs {
		if k != "dir" && k != "interpreter" {
			remoteInputs[k] = v
		}
	}
	for k, v := range remoteInputs {
		remoteOutputs[k] = v
	}
	remoteOutputs["stdout"], remoteOutputs["stderr"] = str, str
	schema := map[string]any{
		"name":    "command",
		"version": version,
		"resources": map[string]any{
			localCommandType: map[string]any{
				"description":     "A command run on the machine running Pulumi: create, update and delete steps.",
				"inputProperties": inputs,
				"properties":      outputs,
				"required":        []string{"stdout", "stderr"},
			},
			remoteCommandType: map[string]any{
				"description":     "A command run over SSH on a remote machine: create, update and delete steps.",
				"inputProperties": remoteInputs,
				"requiredInputs":  []string{"connection"},
				"properties":      remoteOutputs,
				"required":        []string{"stdout", "stderr", "connection"},
			},
		},
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	return string(b)
}
