package transit

import (
	"context"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/commands"
	cmdtransit "github.com/cofferhq/coffer/commands/transit"
	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/projections/transitstore"
)

// autoRotate runs RotateDueKeys every interval until ctx ends (Close).
// Close runs before the node closes the stores the rotation reads, so the
// timer never outlives them.
func (b *Backend) autoRotate(ctx context.Context, interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if b.leading != nil && !b.leading() {
				continue // another node of the cluster rotates
			}
			rctx, cancel := context.WithTimeout(ctx, interval)
			_, err := b.RotateDueKeys(rctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				b.log.Warn("transit auto-rotation", "mount", b.mount, "err", err)
			}
		}
	}
}

// RotateDueKeys rotates every key of the mount whose auto_rotate_period
// has elapsed and returns their names. Each rotation is decided again
// against the key's current state, so a key another node rotated
// meanwhile is left alone.
func (b *Backend) RotateDueKeys(ctx context.Context) ([]string, error) {
	now := b.now()
	var due []string
	err := transitstore.Each(b.deps.Store, b.mount, func(k *transitevent.Key) bool {
		if cmdtransit.DueForRotation(k, now) {
			due = append(due, k.Name)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	ctx = commands.WithMeta(ctx, systemContext())
	var rotated []string
	for _, name := range due {
		ok, err := b.runner.Rotate(ctx, name, true)
		b.cache.invalidate(name)
		if err != nil {
			return rotated, fmt.Errorf("transit: auto-rotate %q: %w", name, err)
		}
		if ok {
			rotated = append(rotated, name)
		}
	}
	return rotated, nil
}
