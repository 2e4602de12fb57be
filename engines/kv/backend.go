package kv

import (
	"context"

	kvcmd "github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// Module is the KV secrets engine. Mounts of type "kv" with options
// version "2" (and the "kv-v2" alias sys/mounts resolves to it) get KV
// version 2; others (options version "1" or none, as in Vault) KV version
// 1.
var Module = framework.Module{
	Type:        "kv",
	Kind:        framework.SecretEngine,
	Description: "key/value secret storage",
	ReadModels: []framework.ReadModel{{
		Name: "kvstore", Prefixes: []string{"kv/"}, Register: kvstore.Register,
	}},
	Events:  []framework.EventMap{eventMap},
	StateAt: []framework.StateQuery{stateQuery},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		// Every node sweeps the erasures its own read model lists
		// (commands/kv sweeper.go): not a singleton.
		sweeper := &kvcmd.Runner{Bus: env.Deps.Bus, Reader: kvstore.Reader{Store: env.Deps.Store, Ledger: env.Deps.Ledger}}
		return &framework.Instance{Factory: func(mount framework.MountInfo) (*framework.Backend, error) {
			return New(env.Deps, mount), nil
		}, Services: []framework.Service{{Name: "kv erasure sweeper", Run: func(ctx context.Context) error {
			return sweeper.RunSweeper(ctx, env.Deps.Log)
		}}}}, nil
	},
}

// New builds the engine for one mount: KV v2 for type "kv-v2" or type "kv"
// with options version "2", KV v1 otherwise.
func New(deps framework.Deps, mount framework.MountInfo) *framework.Backend {
	reader := kvstore.Reader{Store: deps.Store, Ledger: deps.Ledger}
	runner := &kvcmd.Runner{Bus: deps.Bus, Reader: reader}
	if !isVersion2(mount) {
		return newV1(reader, runner)
	}
	b := &backend{reader: reader, runner: runner}
	return &framework.Backend{
		Help: backendHelp,
		Paths: []*framework.Path{
			b.configPath(),
			b.dataPath(),
			b.metadataPath(),
			b.subkeysPath(),
			b.deletePath(),
			b.undeletePath(),
			b.destroyPath(),
		},
	}
}

const backendHelp = `The KV version 2 secrets engine stores versioned secrets: every write
makes a new version, old versions can be read, soft-deleted, undeleted
and destroyed (crypto-erased), and custom metadata describes each secret.`

func isVersion2(mount framework.MountInfo) bool {
	return mount.Type == "kv-v2" || mount.Options["version"] == "2"
}

// backend is one KV v2 mount. It keys everything by the request's mount
// accessor, so a remount keeps its secrets.
type backend struct {
	reader kvstore.Reader
	runner *kvcmd.Runner
}
