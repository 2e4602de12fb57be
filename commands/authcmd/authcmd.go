// Package authcmd is the load-decide-record loop the auth methods' command
// packages share (commands/approle, commands/userpass,
// commands/kubernetes, and token roles): one item of one aggregate,
// written from what a decision makes of its current value, or deleted.
package authcmd

import (
	"context"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/ledger"
)

// Loader reads an item's current value (nil when none) and its aggregate
// version.
type Loader[T any] func() (*T, uint64, error)

// Write records the value decide makes from the current one (nil for a
// create); a nil value with no error records nothing. A conflict loads and
// decides again.
func Write[T any](ctx context.Context, bus *commands.Bus, load Loader[T], decide func(cur *T) (*T, error), record func(version uint64, v T) []ledger.Event) error {
	_, err := bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		cur, version, err := load()
		if err != nil {
			return nil, err
		}
		v, err := decide(cur)
		if err != nil || v == nil {
			return nil, err
		}
		return record(version, *v), nil
	})
	return err
}

// Delete records an item's deletion; deleting nothing records nothing.
func Delete[T any](ctx context.Context, bus *commands.Bus, load Loader[T], record func(version uint64) []ledger.Event) error {
	_, err := bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		cur, version, err := load()
		if err != nil || cur == nil {
			return nil, err
		}
		return record(version), nil
	})
	return err
}
