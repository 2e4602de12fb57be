package approle

import (
	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/authevent"
)

// roleField is one of Vault's per-field role endpoints
// (role/<name>/secret-id-ttl, ...): a read of one or two keys of the
// role's read, an update of the same fields through the role write's own
// rules (DecideRoleWrite), and a delete that resets them to their
// defaults.
type roleField struct {
	// suffix is the path after role/<name>/.
	suffix string
	// fields are the body fields an update reads (the first is the one
	// named when none is given); the read shows the same keys.
	fields []string
	// reset puts the fields back to their defaults; nil for a field that
	// cannot change (local-secret-ids).
	reset func(r *Role)
}

var roleFieldPaths = []roleField{
	{suffix: "local-secret-ids", fields: []string{"local_secret_ids"}},
	{suffix: "policies", fields: []string{"token_policies", "policies"}, reset: func(r *Role) {
		r.Token.Policies, r.Token.Legacy.Policies = nil, nil
	}},
	{suffix: "bound-cidr-list", fields: []string{"bound_cidr_list"}, reset: func(r *Role) { r.SecretIDBoundCIDRs = nil }},
	{suffix: "secret-id-bound-cidrs", fields: []string{"secret_id_bound_cidrs"}, reset: func(r *Role) { r.SecretIDBoundCIDRs = nil }},
	{suffix: "token-bound-cidrs", fields: []string{"token_bound_cidrs"}, reset: func(r *Role) {
		r.Token.BoundCIDRs, r.Token.Legacy.BoundCIDRs = nil, nil
	}},
	{suffix: "bind-secret-id", fields: []string{"bind_secret_id"}, reset: func(r *Role) { r.BindSecretID = true }},
	{suffix: "secret-id-num-uses", fields: []string{"secret_id_num_uses"}, reset: func(r *Role) { r.SecretIDNumUses = 0 }},
	{suffix: "secret-id-ttl", fields: []string{"secret_id_ttl"}, reset: func(r *Role) { r.SecretIDTTL = 0 }},
	{suffix: "period", fields: []string{"token_period", "period"}, reset: func(r *Role) {
		r.Token.Period, r.Token.Legacy.Period = 0, 0
	}},
	{suffix: "token-num-uses", fields: []string{"token_num_uses"}, reset: func(r *Role) {
		r.Token.NumUses, r.Token.Legacy.NumUses = 0, 0
	}},
	{suffix: "token-ttl", fields: []string{"token_ttl"}, reset: func(r *Role) { r.Token.TTL, r.Token.Legacy.TTL = 0, 0 }},
	{suffix: "token-max-ttl", fields: []string{"token_max_ttl"}, reset: func(r *Role) {
		r.Token.MaxTTL, r.Token.Legacy.MaxTTL = 0, 0
	}},
}

func (b *backend) roleFieldPaths() []*framework.Path {
	all := roleFields()
	out := make([]*framework.Path, 0, len(roleFieldPaths))
	for _, rf := range roleFieldPaths {
		fields := map[string]*framework.FieldSchema{"role_name": all["role_name"]}
		for _, f := range rf.fields {
			fields[f] = all[f]
		}
		ops := authpath.Ops{framework.ReadOperation: authpath.Wrap(b.readRoleField(rf))}
		if rf.reset != nil {
			ops[framework.UpdateOperation] = authpath.Wrap(b.updateRoleField(rf))
			ops[framework.DeleteOperation] = authpath.Wrap(b.deleteRoleField(rf))
		}
		out = append(out, &framework.Path{
			Pattern:    rolePattern + "/" + rf.suffix + "$",
			Fields:     fields,
			Synopsis:   "Read, update or reset the role's " + rf.fields[0] + ".",
			Operations: ops,
		})
	}
	return out
}

// readRoleField answers the field's keys as the role's read shows them;
// the legacy name of a renamed field echoes the current value, as Vault's
// per-field reads do.
func (b *backend) readRoleField(rf roleField) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		r, err := b.role(req)
		if err != nil || r == nil {
			return nil, orNotFound(err)
		}
		d, _ := r.Data()
		out := map[string]any{}
		for _, f := range rf.fields {
			switch f {
			case "policies":
				out[f] = authevent.NonNil(r.Token.Policies)
			case "period":
				out[f] = int64(r.Token.Period.Seconds())
			case "bound_cidr_list":
				out[f] = authevent.NonNil(r.SecretIDBoundCIDRs)
			default:
				out[f] = d[f]
			}
		}
		return &framework.Response{Data: out}, nil
	}
}

// updateRoleField writes the given fields through the role write's rules;
// the role must exist, and at least one of the fields must be given.
func (b *backend) updateRoleField(rf roleField) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		all := authpath.Fields(req)
		raw, _ := all.(authkit.RawFields)
		given := authkit.RawFields{}
		for _, f := range rf.fields {
			if v, ok := raw[f]; ok {
				given[f] = v
			}
		}
		if len(given) == 0 {
			return nil, framework.BadRequest("missing %s", rf.fields[0])
		}
		name := RoleKey(req.Vars["role_name"])
		var warnings []string
		err := b.runner.WriteRole(req.Context(), name, func(cur *Role) (*Role, error) {
			if cur == nil {
				return nil, framework.ErrUnsupportedPath
			}
			r, w, err := DecideRoleWrite(cur, name, given, limits(req), DefaultIDs)
			warnings = w
			return r, err
		})
		if err != nil || len(warnings) == 0 {
			return nil, err
		}
		return &framework.Response{Warnings: warnings}, nil
	}
}

// deleteRoleField resets the fields; a missing role is no error.
func (b *backend) deleteRoleField(rf roleField) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		name := RoleKey(req.Vars["role_name"])
		return nil, b.runner.WriteRole(req.Context(), name, func(cur *Role) (*Role, error) {
			if cur == nil {
				return nil, nil
			}
			r := *cur
			rf.reset(&r)
			return &r, nil
		})
	}
}
