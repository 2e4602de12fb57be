package sys

import (
	"errors"

	"github.com/cofferhq/coffer/engines/framework"
)

var capabilityFields = map[string]*framework.FieldSchema{
	"token": {Type: framework.TypeString, Description: "Token for which capabilities are being queried."},
	"paths": {Type: framework.TypeCommaStringSlice, Description: "Paths on which capabilities are being queried."},
	"path":  {Type: framework.TypeCommaStringSlice, Description: "Use 'paths' instead.", Deprecated: true},
}

func (b *backend) capabilityPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "capabilities-self",
			Fields:     capabilityFields,
			Synopsis:   "Fetches the capabilities of the calling token on the given paths.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.capabilitiesSelf},
		},
		{
			Pattern:    "capabilities",
			Fields:     capabilityFields,
			Synopsis:   "Fetches the capabilities of the given token on the given paths.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.capabilitiesOfToken},
		},
	}
}

// capabilitiesSelf answers sys/capabilities-self for the calling token.
func (b *backend) capabilitiesSelf(req *framework.Request) (*framework.Response, error) {
	if req.Auth == nil {
		return nil, framework.BadRequest("no token found")
	}
	return b.capabilities(req, req.Auth)
}

// capabilitiesOfToken answers sys/capabilities for the token in the body.
// An unknown token is a 400 "invalid token", as in Vault.
func (b *backend) capabilitiesOfToken(req *framework.Request) (*framework.Response, error) {
	token := req.String("token")
	if token == "" {
		return nil, framework.BadRequest("no token found")
	}
	if b.opts.ResolveToken == nil {
		return nil, errors.New("sys: no token resolver configured")
	}
	auth, err := b.opts.ResolveToken(req.Context(), token)
	if err != nil {
		status, _ := framework.StatusOf(err)
		if status == 403 || status == 404 || status == 400 {
			return nil, framework.BadRequest("invalid token")
		}
		return nil, err
	}
	return b.capabilities(req, auth)
}

// capabilities lists, for each requested path, what auth may do there:
// {"<path>": [...]}, plus "capabilities" when one path was asked (older
// clients read it, at the top level of the body).
func (b *backend) capabilities(req *framework.Request, auth *framework.Caller) (*framework.Response, error) {
	paths := req.Strings("paths")
	if len(paths) == 0 {
		paths = req.Strings("path")
	}
	if len(paths) == 0 {
		return nil, framework.BadRequest("paths must be supplied")
	}
	policies := auth.Policies
	if auth.IsRoot {
		policies = []string{"root"}
	}
	a, err := b.opts.Policies.ACL(policies)
	if err != nil {
		return nil, err
	}
	data := make(map[string]any, len(paths)+1)
	for _, p := range paths {
		data[p] = a.Capabilities(p)
	}
	if len(paths) == 1 {
		data["capabilities"] = data[paths[0]]
	}
	return withTopLevel(req, data)
}
