package kv

import (
	kvcmd "github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// errVersion1 is the answer of a KV version 1 mount.
const errVersion1 = "kv: version 1 is not supported yet"

// Factory builds the engine for one mount: KV v2 for type "kv-v2" or type
// "kv" with options version "2"; a placeholder that refuses everything for
// KV v1.
func Factory(deps framework.Deps, mount framework.MountInfo) (framework.Backend, error) {
	if !isVersion2(mount) {
		return version1Backend{}, nil
	}
	reader := kvstore.Reader{Store: deps.Store, Ledger: deps.Ledger}
	return &backend{reader: reader, runner: &kvcmd.Runner{Bus: deps.Bus, Reader: reader}}, nil
}

func isVersion2(mount framework.MountInfo) bool {
	return mount.Type == "kv-v2" || mount.Options["version"] == "2"
}

// backend is one KV v2 mount. It keys everything by the request's mount
// accessor, so a remount keeps its secrets.
type backend struct {
	reader kvstore.Reader
	runner *kvcmd.Runner
}

// Paths implements framework.Backend.
func (b *backend) Paths() []*framework.Path {
	return []*framework.Path{
		b.configPath(),
		b.dataPath(),
		b.metadataPath(),
		b.subkeysPath(),
		b.deletePath(),
		b.undeletePath(),
		b.destroyPath(),
	}
}

// version1Backend answers every request of a KV v1 mount with 400.
type version1Backend struct{}

func (version1Backend) Paths() []*framework.Path {
	refuse := func(*framework.Request) (*framework.Response, error) {
		return nil, framework.BadRequest(errVersion1)
	}
	ops := map[framework.Operation]framework.HandlerFunc{}
	for _, op := range []framework.Operation{
		framework.CreateOperation, framework.ReadOperation, framework.UpdateOperation,
		framework.PatchOperation, framework.DeleteOperation, framework.ListOperation,
	} {
		ops[op] = refuse
	}
	return []*framework.Path{{Pattern: ".*", Operations: ops}}
}
