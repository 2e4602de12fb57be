package cubbyhole

import (
	"context"
	"errors"
	"time"

	"github.com/cofferhq/coffer/commands"
	cubbycmd "github.com/cofferhq/coffer/commands/cubbyhole"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/cubbyholeevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// SweepInterval is how often the sweeper looks for cubbyholes of tokens
// that expired (a revocation wakes it at once). Tests shorten it.
var SweepInterval = time.Minute

type sweeper struct {
	env  *framework.Env
	wake chan struct{}
}

func newSweeper(env *framework.Env) *sweeper {
	return &sweeper{env: env, wake: make(chan struct{}, 1)}
}

func (s *sweeper) run(ctx context.Context) error {
	ctx = commands.WithMeta(ctx, commands.Meta{Actor: "system"})
	t := time.NewTicker(SweepInterval)
	defer t.Stop()
	for {
		if err := s.sweep(ctx); err != nil && ctx.Err() == nil {
			s.env.Log.Warn("cubbyhole sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-t.C:
		}
	}
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
	for _, token := range dead {
		if e := cubbycmd.Erase(ctx, s.env.Bus, token, cubbyholeevent.ReasonTokenRevoked); e != nil {
			err = errors.Join(err, e)
		}
	}
	return err
}
