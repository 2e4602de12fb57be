package mount

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// DefaultKVPath is where dev mode mounts a KV version 2 engine, as Vault's
// dev server does.
const DefaultKVPath = "secret/"

// EnsureDefaultMounts mounts secret/ (kv, version 2) unless that path has
// ever been mounted. Keying on the aggregate's history, not on the current
// table, makes it idempotent across restarts and respects an operator who
// disabled secret/ on purpose. A conflicting operator mount (say
// "secret/team/") also leaves it alone.
//
// It takes the engine dependencies because the node calls it with them;
// only Bus is used.
func EnsureDefaultMounts(ctx context.Context, deps framework.Deps) error {
	v, err := deps.Bus.Version(mountstore.Kind, DefaultKVPath)
	if err != nil || v > 0 {
		return err
	}
	_, err = ExecEnable(ctx, deps.Bus, Enable{
		Path:        DefaultKVPath,
		Type:        "kv",
		Description: "key/value secret storage",
		Options:     map[string]string{"version": "2"},
	})
	if errors.Is(err, ErrPathInUse) {
		return nil
	}
	return err
}
