// Package providerkit holds what this project's resource providers share: reading a resource's
// type and name from its URN, and the check failures as one error.
package providerkit

import (
	"strings"

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
