package sys

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// sys/internal/specs/openapi is Vault's OpenAPI document of the mounted
// backends: every path of every mount the calling token reaches (as
// sys/internal/ui/mounts decides it), generated from the same path
// declarations that route and validate requests. Without a token it lists
// sys/ only, as its unauthenticated paths are all a stranger may call.
func (b *backend) openAPIPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern:         "internal/specs/openapi",
		Unauthenticated: true,
		Fields: map[string]*framework.FieldSchema{
			"generic_mount_paths": {Type: framework.TypeBool, Query: true, Description: "Use generic mount paths ({<type>_mount_path}) instead of the actual ones."},
		},
		Synopsis:   "Generate an OpenAPI 3 document of all mounted paths.",
		Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.openAPI},
	}}
}

func (b *backend) openAPI(req *framework.Request) (*framework.Response, error) {
	doc := framework.NewOpenAPI(b.opts.Version)
	generic := req.Bool("generic_mount_paths")
	type target struct{ path, typ string }
	targets := []target{{"sys/", "system"}}
	if req.Auth != nil {
		if ok, err := b.mountAccess(req.Auth, "auth/token/"); err != nil {
			return nil, err
		} else if ok {
			targets = append(targets, target{"auth/token/", "token"})
		}
		mounts, err := mountstore.List(b.deps.Store)
		if err != nil {
			return nil, err
		}
		for _, m := range mounts {
			ok, err := b.mountAccess(req.Auth, m.Path)
			if err != nil {
				return nil, err
			}
			if ok {
				targets = append(targets, target{m.Path, m.Type})
			}
		}
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].path < targets[j].path })
	for _, t := range targets {
		backend, ok := b.backendOf(t.path)
		if !ok {
			continue
		}
		mountPath := t.path
		if generic && t.path != "sys/" && t.path != "auth/token/" {
			mountPath = "{" + strings.ReplaceAll(strings.Trim(strings.TrimPrefix(t.path, mount.AuthPrefix), "/"), "/", "_") + "_mount_path}/"
			if strings.HasPrefix(t.path, mount.AuthPrefix) {
				mountPath = mount.AuthPrefix + mountPath
			}
		}
		doc.AddBackend(mountPath, t.typ, backend)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Raw: raw, RawContentType: "application/json"}, nil
}

func (b *backend) backendOf(path string) (*framework.Backend, bool) {
	if b.opts.MountBackend == nil {
		return nil, false
	}
	return b.opts.MountBackend(path)
}
