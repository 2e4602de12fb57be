package approle

import (
	"errors"
	"net/http"

	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/auth/tokenparams"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/authstore"
)

const rolePattern = "role/(?P<role_name>\\w(([\\w-.]+)?\\w)?)"

func roleFields() map[string]*framework.FieldSchema {
	return authpath.TokenFields(map[string]*framework.FieldSchema{
		"role_name":             {Type: framework.TypeString, Description: "Name of the role."},
		"bind_secret_id":        {Type: framework.TypeBool, Default: true, Description: "Impose secret_id to be presented when logging in using this role."},
		"secret_id_bound_cidrs": {Type: framework.TypeCommaStringSlice, Description: "Comma separated string or list of CIDR blocks. If set, specifies the blocks of IP addresses which can perform the login operation."},
		"bound_cidr_list":       {Type: framework.TypeCommaStringSlice, Deprecated: true, Description: `Use "secret_id_bound_cidrs" instead.`},
		"secret_id_num_uses":    {Type: framework.TypeInt, Description: "Number of times a SecretID can access the role, after which the SecretID will expire. Defaults to 0 meaning that the secret_id is of unlimited use."},
		"secret_id_ttl":         {Type: framework.TypeDurationSecond, Description: "Duration in seconds after which the issued SecretID should expire. Defaults to 0, meaning no expiration."},
		"local_secret_ids":      {Type: framework.TypeBool, Description: "If set, the secret IDs generated using this role will be cluster local. This can only be set during role creation and once set, it can't be reset later."},
		"role_id":               {Type: framework.TypeString, Description: "Identifier of the role. Defaults to a UUID."},
	}, tokenparams.LegacyPolicies, tokenparams.LegacyPeriod)
}

func (b *backend) rolePaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "role/?",
			Fields:     map[string]*framework.FieldSchema{},
			Synopsis:   "Lists all the roles registered with the backend.",
			Operations: authpath.Ops{framework.ListOperation: authpath.List(func() ([]string, error) { return authstore.ListAppRoles(b.m.deps.Store, b.mount) })},
		},
		{
			Pattern:  rolePattern,
			Fields:   roleFields(),
			Synopsis: "Register an role with the backend.",
			Operations: authpath.Ops{
				framework.CreateOperation: authpath.Wrap(b.writeRole),
				framework.UpdateOperation: authpath.Wrap(b.writeRole),
				framework.ReadOperation:   authpath.Wrap(b.readRole),
				framework.DeleteOperation: authpath.Wrap(b.deleteRole),
			},
			ExistenceCheck: b.roleExists,
		},
		{
			Pattern: rolePattern + "/role-id",
			Fields: map[string]*framework.FieldSchema{
				"role_name": {Type: framework.TypeString, Description: "Name of the role."},
				"role_id":   {Type: framework.TypeString, Description: "Identifier of the role. Defaults to a UUID."},
			},
			Synopsis: "Returns the 'role_id' of the role.",
			Operations: authpath.Ops{
				framework.ReadOperation:   authpath.Wrap(b.readRoleID),
				framework.UpdateOperation: authpath.Wrap(b.writeRoleID),
			},
		},
	}
}

func (b *backend) roleExists(req *framework.Request) (bool, error) {
	st, err := b.runner.LoadRole(RoleKey(req.Vars["role_name"]))
	return st.Role != nil, err
}

// checkRoleID refuses a role_id another role of the mount has.
func (b *backend) checkRoleID(name, roleID string) error {
	bar, err := b.barrier()
	if err != nil {
		return err
	}
	other, err := authstore.AppRoleByRoleID(b.m.deps.Store, bar, b.mount, roleID)
	switch {
	case errors.Is(err, authstore.ErrNotFound):
		return nil
	case err != nil:
		return err
	case other != name:
		return RoleIDInUse()
	}
	return nil
}

func (b *backend) writeRole(req *framework.Request) (*framework.Response, error) {
	name := RoleKey(req.Vars["role_name"])
	var warnings []string
	err := b.runner.WriteRole(req.Context(), name, func(cur *Role) (*Role, error) {
		r, w, err := DecideRoleWrite(cur, name, authpath.Fields(req), limits(req), DefaultIDs)
		if err != nil {
			return nil, err
		}
		if err := b.checkRoleID(name, r.RoleID); err != nil {
			return nil, err
		}
		warnings = w
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	if len(warnings) == 0 {
		return nil, nil
	}
	return &framework.Response{Warnings: warnings}, nil
}

func (b *backend) role(req *framework.Request) (*Role, error) {
	st, err := b.runner.LoadRole(RoleKey(req.Vars["role_name"]))
	return st.Role, err
}

func (b *backend) readRole(req *framework.Request) (*framework.Response, error) {
	r, err := b.role(req)
	if err != nil || r == nil {
		return nil, orNotFound(err)
	}
	d, warnings := r.Data()
	return &framework.Response{Data: d, Warnings: warnings}, nil
}

func orNotFound(err error) error {
	if err == nil {
		return framework.ErrNotFound
	}
	return err
}

func (b *backend) deleteRole(req *framework.Request) (*framework.Response, error) {
	return nil, b.runner.DeleteRole(req.Context(), RoleKey(req.Vars["role_name"]))
}

func (b *backend) readRoleID(req *framework.Request) (*framework.Response, error) {
	r, err := b.role(req)
	if err != nil || r == nil {
		return nil, orNotFound(err)
	}
	return &framework.Response{Data: map[string]any{"role_id": r.RoleID}}, nil
}

func (b *backend) writeRoleID(req *framework.Request) (*framework.Response, error) {
	name := RoleKey(req.Vars["role_name"])
	return nil, b.runner.WriteRole(req.Context(), name, func(cur *Role) (*Role, error) {
		if cur == nil {
			return nil, framework.Errorf(http.StatusBadRequest, "role %q does not exist", name)
		}
		r, err := DecideRoleIDWrite(cur, authpath.Fields(req))
		if err != nil {
			return nil, err
		}
		return r, b.checkRoleID(name, r.RoleID)
	})
}
