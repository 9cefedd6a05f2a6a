package providerkit

import "encoding/json"

// Spec is one node of a Pulumi package schema.
type Spec = map[string]any

// The scalar property types of a package schema.
var (
	String       = Spec{"type": "string"}
	SecretString = Spec{"type": "string", "secret": true}
	Integer      = Spec{"type": "integer"}
	Boolean      = Spec{"type": "boolean"}
)

// ArrayOf is a list of item.
func ArrayOf(item Spec) Spec { return Spec{"type": "array", "items": item} }

// MapOf is a map of strings to item.
func MapOf(item Spec) Spec { return Spec{"type": "object", "additionalProperties": item} }

// Object is an object type with its properties and the required ones.
func Object(props Spec, required ...string) Spec {
	o := Spec{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// Ref is a reference to the package's type <pkg>:index/<name>:<name>.
func Ref(pkg, name string) Spec {
	return Spec{"$ref": "#/types/" + pkg + ":index/" + name + ":" + name}
}

// Resource is a resource: its inputs, and as its properties the inputs and its outputs.
func Resource(description string, inputs, outputs Spec, required ...string) Spec {
	props := Spec{}
	for k, v := range inputs {
		props[k] = v
	}
	for k, v := range outputs {
		props[k] = v
	}
	r := Spec{"description": description, "inputProperties": inputs, "properties": props}
	if len(required) > 0 {
		r["requiredInputs"] = required
	}
	return r
}

// PackageSchema is the JSON schema of package pkg at version, with the parts given (provider,
// config, resources, functions, types). As in the official bridged schemas, a token's
// "index/domain" is module "index".
func PackageSchema(pkg, version string, parts Spec) string {
	schema := Spec{"name": pkg, "version": version, "meta": Spec{"moduleFormat": "(.*)(?:/[^/]*)"}}
	for k, v := range parts {
		schema[k] = v
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	return string(b)
}
