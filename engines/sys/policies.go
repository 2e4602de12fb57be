package sys

import (
	"errors"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/commands/policy"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/policystore"
)

// Policies are served at sys/policies/acl (current) and sys/policy
// (legacy: "rules" instead of "policy", list under both "keys" and
// "policies", data copied to the top level).
func (b *backend) policyPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "policies/acl/?",
			Fields:     map[string]*framework.FieldSchema{},
			Synopsis:   "List the configured access control policies.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ListOperation: b.listPolicies(false)},
		},
		{
			Pattern:  "policies/acl/(?P<name>.+)",
			Fields:   policyFields(false),
			Synopsis: "Read, Modify, or Delete an access control policy.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readPolicy(false),
				framework.UpdateOperation: b.writePolicy(false),
				framework.DeleteOperation: b.deletePolicy(false),
			},
		},
		{
			Pattern:  "policy/?",
			Fields:   map[string]*framework.FieldSchema{},
			Synopsis: "List the configured access control policies.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation: b.listPolicies(true),
				framework.ListOperation: b.listPolicies(true),
			},
		},
		{
			Pattern:  "policy/(?P<name>.+)",
			Fields:   policyFields(true),
			Synopsis: "Read, Modify, or Delete an access control policy.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readPolicy(true),
				framework.UpdateOperation: b.writePolicy(true),
				framework.DeleteOperation: b.deletePolicy(true),
			},
		},
	}
}

// policyFields are a policy's: its name and text ("rules" in the legacy
// sys/policy).
func policyFields(legacy bool) map[string]*framework.FieldSchema {
	f := map[string]*framework.FieldSchema{
		"name":   {Type: framework.TypeString, Description: "The name of the policy. Example: \"ops\""},
		"policy": {Type: framework.TypeString, Description: "The rules of the policy (HCL or JSON)."},
	}
	if legacy {
		f["rules"] = &framework.FieldSchema{Type: framework.TypeString, Description: "The rules of the policy.", Deprecated: true}
	}
	return f
}

// respond renders legacy sys/policy answers with data at the top level.
func respond(req *framework.Request, legacy bool, data map[string]any, warnings ...string) (*framework.Response, error) {
	if legacy {
		return withTopLevel(req, data, warnings...)
	}
	return &framework.Response{Data: data, Warnings: warnings}, nil
}

// listPolicies lists stored policies, then "root", as Vault does.
func (b *backend) listPolicies(legacy bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		names, err := policystore.List(b.deps.Store)
		if err != nil {
			return nil, err
		}
		names = append(names, acl.RootPolicyName)
		data := map[string]any{"keys": names}
		if legacy {
			data["policies"] = names
		}
		return respond(req, legacy, data)
	}
}

func (b *backend) readPolicy(legacy bool) framework.HandlerFunc {
	textKey := "policy"
	if legacy {
		textKey = "rules"
	}
	return func(req *framework.Request) (*framework.Response, error) {
		name := req.Vars["name"]
		if err := acl.CanonicalName(name); err != nil {
			return nil, framework.BadRequest("%v", err)
		}
		if name == acl.RootPolicyName {
			return respond(req, legacy, map[string]any{"name": name, textKey: ""})
		}
		p, err := policystore.Get(b.deps.Store, name)
		if errors.Is(err, policystore.ErrNotFound) {
			return nil, framework.ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		return respond(req, legacy, map[string]any{"name": p.Name, textKey: p.Text})
	}
}

func (b *backend) writePolicy(legacy bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		text := req.String("policy")
		var warnings []string
		if text == "" && legacy {
			text = req.String("rules")
			warnings = append(warnings, "'rules' is deprecated, please use 'policy' instead")
		}
		name := req.Vars["name"]
		if _, err := policy.ExecWrite(req.Context(), b.deps.Bus, policy.Write{Name: name, Text: text}); err != nil {
			return nil, err
		}
		b.invalidatePolicy(name)
		if len(warnings) == 0 {
			return nil, nil
		}
		return respond(req, legacy, nil, warnings...)
	}
}

func (b *backend) deletePolicy(bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		name := req.Vars["name"]
		if _, err := policy.ExecDelete(req.Context(), b.deps.Bus, policy.Delete{Name: name}); err != nil {
			return nil, err
		}
		b.invalidatePolicy(name)
		return nil, nil
	}
}

// invalidatePolicy drops the cached policy on this node at once: the
// projector's observer does it too, but only after the write is already
// visible to readers, and the client's next request must see it.
func (b *backend) invalidatePolicy(name string) {
	if b.opts.Policies != nil {
		b.opts.Policies.Invalidate(name)
	}
}
