package sys

import (
	"strings"

	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// The CLI's preflight (sys/internal/ui/mounts/<path>) is unauthenticated
// in the path table, as in Vault: any token may ask, and the handler
// itself answers only for mounts the token's policies reach, so the path
// cannot be used to enumerate mounts.
func (b *backend) uiMountPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:         "internal/ui/mounts/?",
			Fields:          map[string]*framework.FieldSchema{},
			Synopsis:        "Information about mounts returned according to their tuned visibility.",
			Operations:      map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.listUIMounts},
			Unauthenticated: true,
		},
		{
			Pattern:         "internal/ui/mounts/(?P<path>.+)",
			Fields:          map[string]*framework.FieldSchema{"path": {Type: framework.TypeString, Description: "The path of the mount."}},
			Synopsis:        "Information about one mount, for the CLI's preflight.",
			Operations:      map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.readUIMount},
			Unauthenticated: true,
		},
	}
}

// readUIMount answers the preflight: the mount holding path, with its
// "path" and "options" (the CLI reads the kv version there). A missing
// mount and a mount the token cannot reach get the same 403, as in Vault.
func (b *backend) readUIMount(req *framework.Request) (*framework.Response, error) {
	path := sanitizePath(req.Vars["path"])
	denied := framework.Errorf(403, "preflight capability check returned 403, please ensure client's policies grant access to path %q", path)
	if req.Auth == nil {
		return nil, denied
	}
	m, ok, err := b.matchingMount(path)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, denied
	}
	allowed, err := b.mountAccess(req.Auth, m.Path)
	if err != nil {
		return nil, err
	}
	if !allowed {
		return nil, denied
	}
	data := b.mountInfo(m)
	data["path"] = m.Path
	return &framework.Response{Data: data}, nil
}

// listUIMounts answers sys/internal/ui/mounts: the secret mounts the token
// reaches (and auth/token/), {"secret": {...}, "auth": {...}}. Without a
// token both are empty (no mount is configured to be listed
// unauthenticated).
func (b *backend) listUIMounts(req *framework.Request) (*framework.Response, error) {
	secret, auth := map[string]any{}, map[string]any{}
	if req.Auth != nil {
		mounts, err := mountstore.List(b.deps.Store)
		if err != nil {
			return nil, err
		}
		mounts = append([]mountstore.Mount{b.systemMount()}, mounts...)
		for _, m := range mounts {
			ok, err := b.mountAccess(req.Auth, m.Path)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			if rel, isAuth := strings.CutPrefix(m.Path, mount.AuthPrefix); isAuth {
				auth[rel] = b.mountInfo(m)
			} else {
				secret[m.Path] = b.mountInfo(m)
			}
		}
		if ok, err := b.mountAccess(req.Auth, "auth/token/"); err != nil {
			return nil, err
		} else if ok {
			auth["token/"] = b.mountInfo(b.tokenMount())
		}
	}
	return &framework.Response{Data: map[string]any{"secret": secret, "auth": auth}}, nil
}

func (b *backend) mountAccess(auth *framework.Caller, mountPath string) (bool, error) {
	if auth.IsRoot {
		return true, nil
	}
	return b.opts.Policies.MountAccess(auth.Policies, mountPath)
}
