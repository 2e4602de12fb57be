package cubbyhole

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cofferhq/coffer/commands"
	cubbycmd "github.com/cofferhq/coffer/commands/cubbyhole"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/cubbyholeevent"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// SweepInterval is how often the sweeper scans every cubbyhole for tokens
// that expired (a revocation has its token's cubbyhole erased at once).
// Tests shorten it.
var SweepInterval = time.Minute

// maxPending bounds the revoked tokens remembered between sweeps; past it
// the next sweep scans everything instead. On a node that does not run
// the sweeper (it is a singleton) the set stays at the bound.
const maxPending = 10_000

type sweeper struct {
	env  *framework.Env
	wake chan struct{}

	mu       sync.Mutex
	pending  map[string]struct{} // hashes of revoked tokens
	overflow bool
}

func newSweeper(env *framework.Env) *sweeper {
	return &sweeper{env: env, wake: make(chan struct{}, 1), pending: map[string]struct{}{}}
}

// observe notes every revoked token (each revoked token has its own
// token.revoked event, its hash as the aggregate id) and wakes the sweeper.
func (s *sweeper) observe(recs []ledger.Record) {
	woke := false
	for _, r := range recs {
		if r.Type != tokenevent.EventRevoked {
			continue
		}
		s.mu.Lock()
		if len(s.pending) < maxPending {
			s.pending[r.Aggregate] = struct{}{}
		} else {
			s.overflow = true
		}
		s.mu.Unlock()
		woke = true
	}
	if woke {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

func (s *sweeper) take() (tokens []string, scan bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.pending {
		tokens = append(tokens, t)
	}
	clear(s.pending)
	scan, s.overflow = s.overflow, false
	return tokens, scan
}

func (s *sweeper) run(ctx context.Context) error {
	ctx = commands.WithMeta(ctx, commands.Meta{Actor: "system"})
	t := time.NewTicker(SweepInterval)
	defer t.Stop()
	scan := true // at start: whatever died while no sweeper ran
	for {
		revoked, overflow := s.take()
		var err error
		if scan || overflow {
			err = s.sweep(ctx)
		} else {
			err = s.erase(ctx, revoked)
		}
		if err != nil && ctx.Err() == nil {
			s.env.Log.Warn("cubbyhole sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
			scan = false
		case <-t.C:
			scan = true
		}
	}
}

// erase erases the cubbyholes of tokens (a token without one costs a
// pebble read).
func (s *sweeper) erase(ctx context.Context, tokens []string) error {
	var err error
	for _, token := range tokens {
		if e := cubbycmd.Erase(ctx, s.env.Bus, token, cubbyholeevent.ReasonTokenRevoked); e != nil {
			err = errors.Join(err, e)
		}
	}
	return err
}

// sweep erases the cubbyhole of every token that is no longer live.
func (s *sweeper) sweep(ctx context.Context) error {
	b := s.env.Ledger.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	now := s.env.Clock()()
	var dead []string
	var lookupErr error
	err := cubbyholestore.Cubbyholes(s.env.Store, func(token, _ string) bool {
		t, err := tokenstore.Get(s.env.Store, b, token)
		switch {
		case errors.Is(err, tokenstore.ErrNotFound):
			dead = append(dead, token)
		case err != nil:
			lookupErr = err
			return false
		case !t.Live(now):
			dead = append(dead, token)
		}
		return true
	})
	if err == nil {
		err = lookupErr
	}
	return errors.Join(err, s.erase(ctx, dead))
}
