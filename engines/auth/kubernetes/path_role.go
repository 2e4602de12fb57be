package kubernetes

import (
	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/auth/tokenparams"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/authstore"
)

func roleFields() map[string]*framework.FieldSchema {
	return authpath.TokenFields(map[string]*framework.FieldSchema{
		"name":                                     {Type: framework.TypeString, Description: "Name of the role."},
		"bound_service_account_names":              {Type: framework.TypeCommaStringSlice, Description: `List of service account names able to access this role. If set to "*" all names are allowed.`},
		"bound_service_account_namespaces":         {Type: framework.TypeCommaStringSlice, Description: `List of namespaces allowed to access this role. If set to "*" all namespaces are allowed.`},
		"bound_service_account_namespace_selector": {Type: framework.TypeString, Description: "A label selector for Kubernetes namespaces which are allowed to access this role (not supported: use bound_service_account_namespaces)."},
		"audience":                                 {Type: framework.TypeString, Description: "Optional Audience claim to verify in the jwt."},
		"alias_name_source":                        {Type: framework.TypeString, Default: AliasNameSourceUID, Description: "Source to use when deriving the Alias name: serviceaccount_uid or serviceaccount_name."},
	}, tokenparams.LegacyPolicies, tokenparams.LegacyBoundCIDRs, tokenparams.LegacyNumUses,
		tokenparams.LegacyTTL, tokenparams.LegacyMaxTTL, tokenparams.LegacyPeriod)
}

func (b *backend) rolePaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "role/?",
			Fields:     map[string]*framework.FieldSchema{},
			Synopsis:   "Lists all the roles registered with the backend.",
			Operations: authpath.Ops{framework.ListOperation: authpath.List(func() ([]string, error) { return authstore.ListKubernetesRoles(b.m.deps.Store, b.mount) })},
		},
		{
			Pattern:  "role/" + framework.GenericNameRegex("name"),
			Fields:   roleFields(),
			Synopsis: "Register an role with the backend.",
			Operations: authpath.Ops{
				framework.CreateOperation: authpath.Wrap(b.writeRole),
				framework.UpdateOperation: authpath.Wrap(b.writeRole),
				framework.ReadOperation:   authpath.Wrap(b.readRole),
				framework.DeleteOperation: authpath.Wrap(b.deleteRole),
			},
			ExistenceCheck: func(req *framework.Request) (bool, error) {
				st, err := b.runner.LoadRole(RoleKey(req.Vars["name"]))
				return st.Role != nil, err
			},
		},
	}
}

func (b *backend) writeRole(req *framework.Request) (*framework.Response, error) {
	var warnings []string
	err := b.runner.WriteRole(req.Context(), RoleKey(req.Vars["name"]), func(cur *Role) (*Role, error) {
		r, w, err := DecideRoleWrite(cur, authpath.Fields(req), MountLimits{MaxLeaseTTL: req.MountConfig.MaxLeaseTTL})
		warnings = w
		return r, err
	})
	if err != nil || len(warnings) == 0 {
		return nil, err
	}
	return &framework.Response{Warnings: warnings}, nil
}

func (b *backend) readRole(req *framework.Request) (*framework.Response, error) {
	st, err := b.runner.LoadRole(RoleKey(req.Vars["name"]))
	if err != nil {
		return nil, err
	}
	if st.Role == nil {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: st.Role.Data()}, nil
}

func (b *backend) deleteRole(req *framework.Request) (*framework.Response, error) {
	return nil, b.runner.DeleteRole(req.Context(), RoleKey(req.Vars["name"]))
}
