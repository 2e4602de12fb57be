package pki

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/policy"
	"github.com/cofferhq/coffer/projections/pkistore"
)

func (b *Backend) rolePaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:  "roles/?",
			Synopsis: "List the roles.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ListOperation: b.listRoles,
			},
		},
		{
			Pattern: `roles/(?P<name>[^/]+)`,
			Fields: merge(roleFields, map[string]*framework.FieldSchema{
				"name": {Type: framework.TypeString, Required: true, Description: "The role's name."},
			}),
			Synopsis:       "Manage the roles certificates are issued under.",
			ExistenceCheck: func(req *framework.Request) (bool, error) { return b.roleExists(req.String("name")) },
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readRole,
				framework.CreateOperation: b.writeRole,
				framework.UpdateOperation: b.writeRole,
				framework.PatchOperation:  b.patchRole,
				framework.DeleteOperation: b.deleteRole,
			},
		},
	}
}

func (b *Backend) roleExists(name string) (bool, error) {
	_, err := b.reader.Role(b.mount.Accessor, name)
	if errors.Is(err, pkistore.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// role returns the parsed role, from the cache or the store; nil when
// there is none.
func (b *Backend) role(name string) (*policy.Role, error) {
	b.mu.Lock()
	r, ok := b.roles[name]
	gen := b.gen
	b.mu.Unlock()
	if ok {
		return r, nil
	}
	raw, err := b.reader.Role(b.mount.Accessor, name)
	if errors.Is(err, pkistore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r = &policy.Role{}
	if err := json.Unmarshal(raw, r); err != nil {
		return nil, fmt.Errorf("pki: role %s: %w", name, err)
	}
	b.mu.Lock()
	if b.gen == gen {
		b.roles[name] = r
	}
	b.mu.Unlock()
	return r, nil
}

func (b *Backend) listRoles(req *framework.Request) (*framework.Response, error) {
	names, err := b.reader.Roles(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return listResponse(names), nil
}

func (b *Backend) readRole(req *framework.Request) (*framework.Response, error) {
	r, err := b.role(req.String("name"))
	if err != nil || r == nil {
		return nil, err
	}
	return &framework.Response{Data: r.Data()}, nil
}

// overlay writes the request's present role fields over base: the field
// values are converted by the declared types, then decoded into the
// role by its JSON names (durations as nanoseconds).
func overlay(req *framework.Request, base policy.Role) (policy.Role, error) {
	set := map[string]any{}
	for name := range roleFields {
		if v, ok := req.GetOk(name); ok {
			if d, isDur := v.(time.Duration); isDur {
				v = int64(d)
			}
			set[name] = v
		}
	}
	raw, err := json.Marshal(set)
	if err != nil {
		return base, err
	}
	if err := json.Unmarshal(raw, &base); err != nil {
		return base, framework.BadRequest("%s", err.Error())
	}
	return base, nil
}

func (b *Backend) writeRole(req *framework.Request) (*framework.Response, error) {
	return b.storeRole(req, policy.DefaultRole())
}

func (b *Backend) patchRole(req *framework.Request) (*framework.Response, error) {
	old, err := b.role(req.String("name"))
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, framework.Errorf(404, "unable to fetch role %q", req.String("name"))
	}
	return b.storeRole(req, *old)
}

func (b *Backend) storeRole(req *framework.Request, base policy.Role) (*framework.Response, error) {
	name := req.String("name")
	r, err := overlay(req, base)
	if err != nil {
		return nil, err
	}
	if r, err = r.Normalize(); err != nil {
		return nil, refusal(err)
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	if err := b.runner.WriteRole(req.Context(), name, raw); err != nil {
		return nil, err
	}
	b.dropRole(name)
	return &framework.Response{Data: r.Data()}, nil
}

func (b *Backend) dropRole(name string) {
	b.mu.Lock()
	b.gen++
	delete(b.roles, name)
	b.mu.Unlock()
}

func (b *Backend) deleteRole(req *framework.Request) (*framework.Response, error) {
	name := req.String("name")
	if err := b.runner.DeleteRole(req.Context(), name); err != nil {
		return nil, err
	}
	b.dropRole(name)
	return nil, nil
}
