package policy

import (
	"context"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/events/policyevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/policystore"
)

// LoadState reads whether the named policy exists and its version.
func LoadState(bus *commands.Bus, name string) (State, error) {
	name = acl.NormalizeName(name)
	exists, err := policystore.Exists(bus.Projections, name)
	if err != nil {
		return State{}, err
	}
	v, err := bus.Version(policyevent.Kind, name)
	if err != nil {
		return State{}, err
	}
	return State{Exists: exists, Version: v}, nil
}

// ExecWrite writes a policy and returns the ledger index of the write.
func ExecWrite(ctx context.Context, bus *commands.Bus, c Write) (uint64, error) {
	return bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		s, err := LoadState(bus, c.Name)
		if err != nil {
			return nil, err
		}
		return DecideWrite(s, c)
	})
}

// ExecDelete deletes a policy.
func ExecDelete(ctx context.Context, bus *commands.Bus, c Delete) (uint64, error) {
	return bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		s, err := LoadState(bus, c.Name)
		if err != nil {
			return nil, err
		}
		return DecideDelete(s, c)
	})
}
