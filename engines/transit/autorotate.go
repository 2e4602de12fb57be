package transit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/commands"
	cmdtransit "github.com/cofferhq/coffer/commands/transit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/transitstore"
)

// autoRotate runs RotateDueKeys every interval until Close. It is the
// stand-in for the lease scheduler (issue 4), which will own every timer
// of the server once it exists.
func (b *Backend) autoRotate(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			_, err := b.safeRotateDueKeys(ctx)
			cancel()
			if errors.Is(err, errStoresClosed) || errors.Is(err, ledger.ErrClosed) {
				return
			}
			if err != nil {
				b.log.Warn("transit auto-rotation", "mount", b.mount, "err", err)
			}
		}
	}
}

// errStoresClosed stops the timer of a backend whose node shut down.
var errStoresClosed = errors.New("transit: stores closed, auto-rotation stopped")

// safeRotateDueKeys turns a panic into errStoresClosed: the gateway never
// closes its engines, so the timer outlives the node's stores when a node
// shuts down, and pebble panics on use after close.
func (b *Backend) safeRotateDueKeys(ctx context.Context) (rotated []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errStoresClosed, r)
		}
	}()
	return b.RotateDueKeys(ctx)
}

// RotateDueKeys rotates every key of the mount whose auto_rotate_period
// has elapsed and returns their names. Each rotation is decided again
// against the key's current state, so a key another node rotated
// meanwhile is left alone.
func (b *Backend) RotateDueKeys(ctx context.Context) ([]string, error) {
	now := b.now()
	var due []string
	err := transitstore.Each(b.deps.Store, b.mount, func(k *transitstore.Key) bool {
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
