package mount

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/mountevent"
)

// DefaultKVPath is where dev mode mounts a KV version 2 engine, as Vault's
// dev server does.
const DefaultKVPath = "secret/"

// EnsureDefaultMounts mounts secret/ (kv, version 2) unless that path has
// ever been mounted. Keying on the aggregate's history, not on the current
// table, makes it idempotent across restarts and respects an operator who
// disabled secret/ on purpose. A conflicting operator mount (say
// "secret/team/") also leaves it alone.
func EnsureDefaultMounts(ctx context.Context, bus *commands.Bus) error {
	v, err := bus.Version(mountevent.Kind, DefaultKVPath)
	if err != nil || v > 0 {
		return err
	}
	_, err = ExecEnable(ctx, bus, Enable{
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
