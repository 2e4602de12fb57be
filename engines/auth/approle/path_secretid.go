package approle

import (
	"errors"
	"net/http"

	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/authstore"
)

func secretIDFields(extra map[string]*framework.FieldSchema) map[string]*framework.FieldSchema {
	f := map[string]*framework.FieldSchema{
		"role_name":         {Type: framework.TypeString, Description: "Name of the role."},
		"metadata":          {Type: framework.TypeString, Description: "Metadata to be tied to the SecretID. This should be a JSON formatted string containing the metadata in key value pairs."},
		"cidr_list":         {Type: framework.TypeCommaStringSlice, Description: "Comma separated string or list of CIDR blocks enforcing secret IDs to be used from specific set of IP addresses."},
		"token_bound_cidrs": {Type: framework.TypeCommaStringSlice, Description: "Comma separated string or list of CIDR blocks. If set, specifies the blocks of IP addresses which can use the returned token."},
		"num_uses":          {Type: framework.TypeInt, Description: "Number of times this SecretID can be used, after which the SecretID expires. Overrides secret_id_num_uses role option when supplied."},
		"ttl":               {Type: framework.TypeDurationSecond, Description: "Duration in seconds after which this SecretID expires. Overrides secret_id_ttl role option when supplied."},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

var (
	secretIDField = map[string]*framework.FieldSchema{
		"role_name": {Type: framework.TypeString, Description: "Name of the role."},
		"secret_id": {Type: framework.TypeString, Description: "SecretID attached to the role."},
	}
	accessorField = map[string]*framework.FieldSchema{
		"role_name":          {Type: framework.TypeString, Description: "Name of the role."},
		"secret_id_accessor": {Type: framework.TypeString, Description: "Accessor of the SecretID"},
	}
)

func (b *backend) secretIDPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:  rolePattern + "/secret-id/?",
			Fields:   secretIDFields(nil),
			Synopsis: "Generate a SecretID against this role.",
			Operations: authpath.Ops{
				framework.UpdateOperation: authpath.Wrap(b.issue(false)),
				framework.ListOperation:   authpath.Wrap(b.listAccessors),
			},
		},
		{
			Pattern:    rolePattern + "/custom-secret-id",
			Fields:     secretIDFields(map[string]*framework.FieldSchema{"secret_id": {Type: framework.TypeString, Description: "SecretID to be attached to the role."}}),
			Synopsis:   "Assign a SecretID of choice against the role.",
			Operations: authpath.Ops{framework.UpdateOperation: authpath.Wrap(b.issue(true))},
		},
		{
			Pattern:    rolePattern + "/secret-id/lookup/?",
			Fields:     secretIDField,
			Synopsis:   "Read the properties of an issued secret_id",
			Operations: authpath.Ops{framework.UpdateOperation: authpath.Wrap(b.lookupSecretID)},
		},
		{
			Pattern:  rolePattern + "/secret-id/destroy/?",
			Fields:   secretIDField,
			Synopsis: "Invalidate an issued secret_id",
			Operations: authpath.Ops{
				framework.UpdateOperation: authpath.Wrap(b.destroySecretID),
				framework.DeleteOperation: authpath.Wrap(b.destroySecretID),
			},
		},
		{
			Pattern:    rolePattern + "/secret-id-accessor/lookup/?",
			Fields:     accessorField,
			Synopsis:   "Read an issued secret_id, using its accessor",
			Operations: authpath.Ops{framework.UpdateOperation: authpath.Wrap(b.lookupAccessor)},
		},
		{
			Pattern:  rolePattern + "/secret-id-accessor/destroy/?",
			Fields:   accessorField,
			Synopsis: "Delete an issued secret_id, using its accessor",
			Operations: authpath.Ops{
				framework.UpdateOperation: authpath.Wrap(b.destroyAccessor),
				framework.DeleteOperation: authpath.Wrap(b.destroyAccessor),
			},
		},
	}
}

func roleMissing(name string) error {
	return framework.Errorf(http.StatusBadRequest, "role %q does not exist", name)
}

// issue generates (or takes a custom) secret ID; it leaves only in the
// response, the ledger gets its HMAC.
func (b *backend) issue(custom bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		name := RoleKey(req.Vars["role_name"])
		sreq, err := ParseSecretIDRequest(authpath.Fields(req), custom)
		if err != nil {
			return nil, err
		}
		secretID := sreq.SecretID
		if !custom {
			if secretID, err = NewUUID(); err != nil {
				return nil, err
			}
		}
		accessor, err := NewUUID()
		if err != nil {
			return nil, err
		}
		now := b.m.now()
		var resp map[string]any
		err = b.runner.RunSecretID(req.Context(), name,
			func(r *Role) (string, error) { return HMAC(r.HMACKey, secretID) },
			func(r *Role, cur *SecretID) ([]Event, error) {
				if r == nil {
					return nil, roleMissing(name)
				}
				if cur != nil {
					return nil, SecretIDAlreadyRegistered()
				}
				is, err := DecideSecretIDIssue(r, sreq, secretID, accessor, now, limits(req))
				if err != nil {
					return nil, err
				}
				resp = is.Response
				return []Event{is.Event}, nil
			})
		if err != nil {
			return nil, err
		}
		return &framework.Response{Data: resp}, nil
	}
}

func (b *backend) listAccessors(req *framework.Request) (*framework.Response, error) {
	name := RoleKey(req.Vars["role_name"])
	r, err := b.role(req)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, roleMissing(name)
	}
	keys, err := authstore.ListSecretIDAccessors(b.m.deps.Store, b.mount, name)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: map[string]any{"keys": keys}}, nil
}

// byID finds the HMAC of the secret ID in the request.
func (b *backend) byID(req *framework.Request) (name string, hash func(*Role) (string, error), err error) {
	name = RoleKey(req.Vars["role_name"])
	sid, _, err := authpath.Fields(req).String("secret_id")
	if err != nil {
		return "", nil, err
	}
	if sid == "" {
		return "", nil, framework.BadRequest("missing secret_id")
	}
	return name, func(r *Role) (string, error) { return SecretIDLookupKey(r, sid) }, nil
}

// byAccessor finds the HMAC of the secret ID named by the accessor in the
// request.
func (b *backend) byAccessor(req *framework.Request) (name string, hash func(*Role) (string, error), err error) {
	name = RoleKey(req.Vars["role_name"])
	acc, err := ParseAccessor(authpath.Fields(req))
	if err != nil {
		return "", nil, err
	}
	h, err := authstore.SecretIDHashByAccessor(b.m.deps.Store, b.m.deps.Ledger.Barrier(), b.mount, name, acc)
	if errors.Is(err, authstore.ErrNotFound) {
		return "", nil, framework.Errorf(http.StatusNotFound, "failed to find accessor entry for secret_id_accessor: %q", acc)
	}
	if err != nil {
		return "", nil, err
	}
	return name, func(*Role) (string, error) { return h, nil }, nil
}

type finder func(req *framework.Request) (string, func(*Role) (string, error), error)

func (b *backend) lookup(req *framework.Request, find finder) (*framework.Response, error) {
	name, hash, err := find(req)
	if err != nil {
		return nil, err
	}
	st, err := b.runner.LoadRole(name)
	if err != nil {
		return nil, err
	}
	if st.Role == nil {
		return nil, roleMissing(name)
	}
	h, err := hash(st.Role)
	if err != nil {
		return nil, err
	}
	s, err := b.runner.LoadSecretID(name, h)
	if err != nil || s.SecretID == nil {
		return nil, err
	}
	return &framework.Response{Data: s.SecretID.Data()}, nil
}

func (b *backend) destroy(req *framework.Request, find finder) (*framework.Response, error) {
	name, hash, err := find(req)
	if err != nil {
		return nil, err
	}
	return nil, b.runner.RunSecretID(req.Context(), name, hash, func(r *Role, cur *SecretID) ([]Event, error) {
		if r == nil {
			return nil, roleMissing(name)
		}
		return DecideSecretIDDestroy(r, cur), nil
	})
}

func (b *backend) lookupSecretID(req *framework.Request) (*framework.Response, error) {
	return b.lookup(req, b.byID)
}

func (b *backend) destroySecretID(req *framework.Request) (*framework.Response, error) {
	return b.destroy(req, b.byID)
}

func (b *backend) lookupAccessor(req *framework.Request) (*framework.Response, error) {
	return b.lookup(req, b.byAccessor)
}

func (b *backend) destroyAccessor(req *framework.Request) (*framework.Response, error) {
	return b.destroy(req, b.byAccessor)
}
