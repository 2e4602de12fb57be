package sys

import (
	"strings"

	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// sys/auth is Vault's auth method table: auth methods are mounts under
// auth/ (the mount table holds them as "auth/<path>/"), listed and
// addressed here relative to auth/, with the built-in token store always
// at token/. Enabling, disabling and tuning them need sudo, as in Vault
// (its root path "auth/*").
func (b *backend) authPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "auth",
			Fields:     map[string]*framework.FieldSchema{},
			Synopsis:   "List the currently enabled credential backends.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.listAuth},
		},
		{
			Pattern:    "auth/",
			Fields:     map[string]*framework.FieldSchema{},
			Sudo:       true,
			Synopsis:   "List the currently enabled credential backends.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.listAuth},
		},
		{
			Pattern:  "auth/(?P<path>.+?)/tune/?",
			Fields:   tuneFields,
			Sudo:     true,
			Synopsis: "Tune configuration parameters for an auth method.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readTune(true),
				framework.UpdateOperation: b.writeTune(true),
			},
		},
		{
			Pattern:  "auth/(?P<path>.+)",
			Fields:   enableFields,
			Sudo:     true,
			Synopsis: "Enable a new credential backend with a name.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readMount(true),
				framework.UpdateOperation: b.enableMount(true),
				framework.DeleteOperation: b.disableMount(true),
			},
		},
	}
}

// listAuth answers GET sys/auth: token/ and every enabled auth method, by
// path relative to auth/.
func (b *backend) listAuth(req *framework.Request) (*framework.Response, error) {
	mounts, err := mountstore.List(b.deps.Store)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"token/": b.mountInfo(b.tokenMount())}
	for _, m := range mounts {
		if rel, ok := strings.CutPrefix(m.Path, mount.AuthPrefix); ok {
			data[rel] = b.mountInfo(m)
		}
	}
	return withTopLevel(req, data)
}
