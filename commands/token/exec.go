package token

import (
	"context"
	"errors"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

func barrierOf(bus *commands.Bus) (*ledger.Barrier, error) {
	b := bus.Ledger.Barrier()
	if b == nil {
		return nil, ledger.ErrSealed
	}
	return b, nil
}

// load returns the live record under hash (nil if none) and the token
// aggregate's version.
func load(bus *commands.Bus, b *ledger.Barrier, hash string) (*tokenevent.Token, uint64, error) {
	t, err := tokenstore.Get(bus.Projections, b, hash)
	if err == nil {
		return t, t.Version, nil
	}
	if !errors.Is(err, tokenstore.ErrNotFound) {
		return nil, 0, err
	}
	v, err := bus.Version(tokenevent.Kind, hash)
	return nil, v, err
}

// Create records a new token whose raw value is raw and returns its
// record as created (tokenstore.Created: the projection adds the
// AncestorDeadline). It fails with ErrDuplicateID if a live token has that
// value, and with ErrParentRevoked if the parent was revoked before the
// creation reached the ledger.
//
// An orphan (every login's token) is created with RunLast: within a
// request its event rides in the message of the request's audit records,
// one commit instead of two, and the response, which is built from the
// plan, is sent once that message is stored and applied. A child is
// created with Run, since its creator must learn whether the projection
// kept it (a parent revoked meanwhile drops it).
func Create(ctx context.Context, bus *commands.Bus, raw, accessor string, c tokenevent.Created) (*tokenevent.Token, error) {
	b, err := barrierOf(bus)
	if err != nil {
		return nil, err
	}
	hash := tokenstore.Hash(b, raw)
	run := bus.Run
	if c.Parent == "" {
		run = bus.RunLast
	}
	attempt := 0
	var version uint64
	_, err = run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		attempt++
		var existing *tokenevent.Token
		var from uint64
		if attempt > 1 {
			// The first attempt takes the hash for a new aggregate and
			// reads nothing (a generated token's 143 random bits are
			// never in use): the writer checks each event's version
			// against the ledger, so a hash in use or used before (a
			// chosen id) comes back as ErrConflict, and this attempt
			// decides on what is stored.
			if existing, from, err = load(bus, b, hash); err != nil {
				return nil, err
			}
		}
		events, err := DecideCreate(existing, from, hash, accessor, c)
		if err == nil {
			version = events[0].Version
		}
		return events, err
	})
	if err != nil {
		return nil, err
	}
	if c.Parent != "" {
		ok, err := tokenstore.Exists(bus.Projections, hash)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrParentRevoked
		}
	}
	c.Accessor = accessor
	return tokenstore.Created(hash, version, c), nil
}

// Renew extends the lease of the token with hash and returns the renewed
// record and any warnings.
func Renew(ctx context.Context, bus *commands.Bus, hash string, increment time.Duration, limits Limits) (*tokenevent.Token, []string, error) {
	b, err := barrierOf(bus)
	if err != nil {
		return nil, nil, err
	}
	var warnings []string
	_, err = bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		t, _, err := load(bus, b, hash)
		if err != nil {
			return nil, err
		}
		var events []ledger.Event
		events, warnings, err = DecideRenew(t, increment, limits, time.Now())
		return events, err
	})
	if err != nil {
		return nil, nil, err
	}
	t, err := tokenstore.Get(bus.Projections, b, hash)
	if errors.Is(err, tokenstore.ErrNotFound) {
		return nil, nil, ErrNotFound
	}
	return t, warnings, err
}

// Use spends one use of the token with hash (nothing for unlimited
// tokens). ErrNotFound means the token is gone: revoked, expired or
// already used up by a concurrent request.
func Use(ctx context.Context, bus *commands.Bus, hash string) error {
	b, err := barrierOf(bus)
	if err != nil {
		return err
	}
	_, err = bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		t, _, err := load(bus, b, hash)
		if err != nil {
			return nil, err
		}
		return DecideUse(t, time.Now())
	})
	return err
}
