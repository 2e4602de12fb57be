package token

import (
	"path"
	"slices"
	"time"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/projections/authstore"
)

var roleFields = map[string]*framework.FieldSchema{
	"role_name":               {Type: framework.TypeString, Description: "Name of the role"},
	"allowed_policies":        {Type: framework.TypeCommaStringSlice, Description: "If set, tokens can be created with any subset of the policies in this list, rather than the normal semantics of tokens being a subset of the calling token's policies."},
	"disallowed_policies":     {Type: framework.TypeCommaStringSlice, Description: "If set, successful token creation via this role will require that no policies in the given list are requested."},
	"allowed_entity_aliases":  {Type: framework.TypeCommaStringSlice, Description: "String or JSON list of allowed entity aliases (globs allowed)."},
	"orphan":                  {Type: framework.TypeBool, Description: "If true, tokens created via this role will be orphan tokens (have no parent)"},
	"renewable":               {Type: framework.TypeBool, Default: true, Description: "Tokens created via this role will be renewable or not according to this value."},
	"path_suffix":             {Type: framework.TypeString, Description: "If set, tokens created via this role will contain the given suffix as a part of their path."},
	"token_ttl":               {Type: framework.TypeDurationSecond, Description: "The initial ttl of the token to generate"},
	"token_max_ttl":           {Type: framework.TypeDurationSecond, Description: "The maximum lifetime of the generated token"},
	"token_period":            {Type: framework.TypeDurationSecond, Description: "If set, tokens created via this role will have no max lifetime; instead, their renewal period will be fixed to this value."},
	"period":                  {Type: framework.TypeDurationSecond, Deprecated: true, Description: `Use "token_period" instead.`},
	"token_explicit_max_ttl":  {Type: framework.TypeDurationSecond, Description: "If set, tokens created via this role carry an explicit maximum TTL."},
	"explicit_max_ttl":        {Type: framework.TypeDurationSecond, Deprecated: true, Description: `Use "token_explicit_max_ttl" instead.`},
	"token_num_uses":          {Type: framework.TypeInt, Description: "The maximum number of times a token may be used, a value of zero means unlimited"},
	"token_bound_cidrs":       {Type: framework.TypeCommaStringSlice, Description: "Comma separated string or JSON list of CIDR blocks."},
	"bound_cidrs":             {Type: framework.TypeCommaStringSlice, Deprecated: true, Description: `Use "token_bound_cidrs" instead.`},
	"token_no_default_policy": {Type: framework.TypeBool, Description: "If true, the 'default' policy will not automatically be added to generated tokens"},
	"token_type":              {Type: framework.TypeString, Default: "default-service", Description: "The type of token to generate, service or batch"},
}

func (b *Backend) rolePaths() []*framework.Path {
	return []*framework.Path{
		{Pattern: "roles/?", Fields: map[string]*framework.FieldSchema{}, Synopsis: "List the token roles", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ListOperation: b.handleListRoles,
		}},
		{
			Pattern: "roles/" + framework.GenericNameRegex("role_name"), Fields: roleFields, Synopsis: "Create, read, update and delete token roles",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.CreateOperation: b.handleWriteRole,
				framework.UpdateOperation: b.handleWriteRole,
				framework.ReadOperation:   b.handleReadRole,
				framework.DeleteOperation: b.handleDeleteRole,
			},
			ExistenceCheck: func(req *framework.Request) (bool, error) {
				r, _, err := tokencmd.LoadRole(b.deps.Bus, req.Vars["role_name"])
				return r != nil, err
			},
		},
	}
}

func (b *Backend) handleListRoles(*framework.Request) (*framework.Response, error) {
	names, err := authstore.ListTokenRoles(b.deps.Store)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: map[string]any{"keys": names}}, nil
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// handleWriteRole merges the fields given into the role (a create starts
// from Vault's defaults: renewable, default-service tokens).
func (b *Backend) handleWriteRole(req *framework.Request) (*framework.Response, error) {
	return nil, tokencmd.WriteRole(req.Context(), b.deps.Bus, req.Vars["role_name"], func(cur *tokenevent.Role) (*tokenevent.Role, error) {
		r := tokenevent.Role{Renewable: true, Type: "default-service"}
		if cur != nil {
			r = *cur
		}
		for key, dst := range map[string]*[]string{"allowed_policies": &r.AllowedPolicies, "disallowed_policies": &r.DisallowedPolicies} {
			if v, ok := req.StringsOk(key); ok {
				*dst = tokencmd.SanitizePolicies(v, false)
			}
		}
		if v, ok := req.StringsOk("allowed_entity_aliases"); ok {
			r.AllowedEntityAliases = v
		}
		if v, ok := req.BoolOk("orphan"); ok {
			r.Orphan = v
		}
		if v, ok := req.BoolOk("renewable"); ok {
			r.Renewable = v
		}
		if v, ok := req.StringOk("path_suffix"); ok {
			r.PathSuffix = v
		}
		for _, d := range []struct {
			keys []string
			dst  *int64
		}{
			{[]string{"token_ttl"}, &r.TTL}, {[]string{"token_max_ttl"}, &r.MaxTTL},
			{[]string{"token_period", "period"}, &r.Period}, {[]string{"token_explicit_max_ttl", "explicit_max_ttl"}, &r.ExplicitMaxTTL},
		} {
			for _, k := range d.keys {
				if v, ok := req.DurationOk(k); ok {
					*d.dst = seconds(v)
					break
				}
			}
		}
		if v, ok := req.IntOk("token_num_uses"); ok {
			r.NumUses = v
		}
		if v, ok := req.StringsOk("token_bound_cidrs"); ok {
			r.BoundCIDRs = v
		} else if v, ok := req.StringsOk("bound_cidrs"); ok {
			r.BoundCIDRs = v
		}
		if v, ok := req.BoolOk("token_no_default_policy"); ok {
			r.NoDefaultPolicy = v
		}
		if v, ok := req.StringOk("token_type"); ok {
			switch v {
			case "service", "default-service", "default", "batch", "default-batch":
				r.Type = v
			default:
				return nil, framework.BadRequest("invalid 'token_type' value %q", v)
			}
		}
		if r.PathSuffix != "" && path.Clean(r.PathSuffix) != r.PathSuffix {
			return nil, framework.BadRequest("path_suffix %q is not a clean path", r.PathSuffix)
		}
		if r.NumUses < 0 {
			return nil, framework.BadRequest("token_num_uses cannot be negative")
		}
		return &r, nil
	})
}

func (b *Backend) handleReadRole(req *framework.Request) (*framework.Response, error) {
	r, _, err := tokencmd.LoadRole(b.deps.Bus, req.Vars["role_name"])
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: map[string]any{
		"name":                    r.Name,
		"allowed_policies":        nonNil(r.AllowedPolicies),
		"disallowed_policies":     nonNil(r.DisallowedPolicies),
		"allowed_entity_aliases":  nonNil(r.AllowedEntityAliases),
		"orphan":                  r.Orphan,
		"renewable":               r.Renewable,
		"path_suffix":             r.PathSuffix,
		"token_ttl":               r.TTL,
		"token_max_ttl":           r.MaxTTL,
		"token_period":            r.Period,
		"period":                  r.Period,
		"token_explicit_max_ttl":  r.ExplicitMaxTTL,
		"explicit_max_ttl":        r.ExplicitMaxTTL,
		"token_num_uses":          r.NumUses,
		"token_bound_cidrs":       nonNil(r.BoundCIDRs),
		"token_no_default_policy": r.NoDefaultPolicy,
		"token_type":              r.Type,
	}}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (b *Backend) handleDeleteRole(req *framework.Request) (*framework.Response, error) {
	return nil, tokencmd.DeleteRole(req.Context(), b.deps.Bus, req.Vars["role_name"])
}

// withRole applies a token role to a creation (create/:role).
func (b *Backend) withRole(parent *tokenevent.Token, cr tokencmd.CreateRequest, name, alias string) (tokencmd.CreateRequest, error) {
	role, _, err := tokencmd.LoadRole(b.deps.Bus, name)
	if err != nil {
		return cr, err
	}
	if role == nil {
		return cr, framework.BadRequest("unknown role %s", name)
	}
	if alias != "" && !slices.ContainsFunc(role.AllowedEntityAliases, func(g string) bool {
		ok, _ := path.Match(g, alias)
		return ok
	}) {
		return cr, framework.BadRequest("invalid 'entity_alias' value")
	}
	return tokencmd.ApplyRole(parent, cr, role)
}
