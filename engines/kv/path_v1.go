package kv

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	kvcmd "github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// v1Backend is one KV version 1 mount: <path> reads, writes, deletes and
// lists unversioned secrets, as Vault's kv v1. Each value lives on the
// same aggregate and read model as a v2 secret (see commands/kv's
// DecideWriteV1): sealed under its own data key, erased when it is
// overwritten or deleted.
type v1Backend struct {
	reader kvstore.Reader
	runner *kvcmd.Runner
}

const v1Help = `The KV version 1 secrets engine stores one value per path, with no
history: a write replaces the value (the old one is erased), a delete
removes it. Upgrade the mount to version 2 with
"coffer kv enable-versioning <mount>".`

func newV1(reader kvstore.Reader, runner *kvcmd.Runner) *framework.Backend {
	b := &v1Backend{reader: reader, runner: runner}
	return &framework.Backend{Help: v1Help, Paths: []*framework.Path{{
		Pattern:             `(?P<path>.*)`,
		Fields:              map[string]*framework.FieldSchema{"path": pathField},
		TakesArbitraryInput: true,
		Synopsis:            "Pass-through secret storage: read, write, delete and list key/value pairs.",
		Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation:   b.read,
			framework.CreateOperation: b.write,
			framework.UpdateOperation: b.write,
			framework.DeleteOperation: b.delete,
			framework.ListOperation:   b.list,
		},
		ExistenceCheck: func(req *framework.Request) (bool, error) {
			return b.reader.Exists(req.MountAccessor, req.Vars["path"])
		},
	}}}
}

func (b *v1Backend) read(req *framework.Request) (*framework.Response, error) {
	mount, path := req.MountAccessor, req.Vars["path"]
	meta, err := b.reader.Metadata(mount, path)
	if err != nil {
		return nil, err
	}
	n := meta.CurrentVersion
	if vm, ok := meta.Versions[n]; !ok || !vm.Readable(time.Now()) {
		return nil, framework.ErrNotFound // a v2 delete before a downgrade
	}
	plain, err := b.reader.Value(req.Context(), mount, path, n)
	if errors.Is(err, kvstore.ErrErased) {
		return nil, framework.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	data, err := decodeObject(plain)
	if err != nil {
		return nil, err
	}
	// Vault's kv v1 answers with a refresh interval in lease_duration (no
	// lease is created): the value's own "ttl" (or "lease") field when it
	// has one, else the mount's default lease TTL.
	return &framework.Response{Data: data, Secret: &framework.Secret{LeaseDuration: v1RefreshInterval(req, data)}}, nil
}

func v1RefreshInterval(req *framework.Request, data map[string]any) time.Duration {
	for _, k := range []string{"ttl", "lease"} {
		if v, ok := data[k]; ok {
			if d, err := framework.Coerce(framework.TypeDurationSecond, v); err == nil {
				return d.(time.Duration)
			}
		}
	}
	if req.MountConfig.DefaultLeaseTTL > 0 {
		return req.MountConfig.DefaultLeaseTTL
	}
	return mount.SystemDefaultLeaseTTL
}

// write stores the request's fields as the value, as Vault's kv v1 does
// (every field is data; there is no "data" wrapper).
func (b *v1Backend) write(req *framework.Request) (*framework.Response, error) {
	path := req.Vars["path"]
	if path == "" || strings.HasSuffix(path, "/") {
		return nil, framework.BadRequest("missing path or path ends in /")
	}
	if len(req.Data) == 0 {
		return nil, framework.BadRequest("missing data fields")
	}
	value, err := json.Marshal(req.Data)
	if err != nil {
		return nil, framework.BadRequest("data: %v", err)
	}
	w, err := b.runner.WriteV1(req.Context(), req.MountAccessor, path, value)
	if err != nil {
		return nil, err
	}
	if len(w.Warnings) > 0 {
		return &framework.Response{Warnings: w.Warnings}, nil
	}
	return nil, nil
}

func (b *v1Backend) delete(req *framework.Request) (*framework.Response, error) {
	return nil, b.runner.DeleteV1(req.Context(), req.MountAccessor, req.Vars["path"])
}

// list answers LIST <prefix>/; an empty folder is 404 as in Vault.
func (b *v1Backend) list(req *framework.Request) (*framework.Response, error) {
	return listFolder(b.reader, req)
}
