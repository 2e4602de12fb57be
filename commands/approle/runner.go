package approle

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/authcmd"
	"github.com/cofferhq/coffer/events/approleevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/authstore"
)

// Runner executes AppRole commands for one mount.
type Runner struct {
	Bus   *commands.Bus
	Mount string
}

// LoadRole reads a role's state.
func (r *Runner) LoadRole(name string) (RoleState, error) {
	b, err := r.Bus.Ledger.UnsealedBarrier()
	if err != nil {
		return RoleState{}, err
	}
	role, v, err := authstore.GetAppRole(r.Bus.Projections, b, r.Mount, name)
	st := RoleState{Mount: r.Mount, Name: name, Role: role, Version: v}
	if errors.Is(err, authstore.ErrNotFound) {
		err = nil
	}
	return st, err
}

// LoadSecretID reads the state of role's secret ID filed under hash.
func (r *Runner) LoadSecretID(role, hash string) (SecretIDState, error) {
	b, err := r.Bus.Ledger.UnsealedBarrier()
	if err != nil {
		return SecretIDState{}, err
	}
	s, v, err := authstore.GetSecretID(r.Bus.Projections, b, r.Mount, role, hash)
	st := SecretIDState{Mount: r.Mount, Role: role, HMAC: hash, SecretID: s, Version: v}
	if errors.Is(err, authstore.ErrNotFound) {
		err = nil
	}
	return st, err
}

func (r *Runner) roleLoader(name string) authcmd.Loader[approleevent.Role] {
	return func() (*approleevent.Role, uint64, error) {
		st, err := r.LoadRole(name)
		return st.Role, st.Version, err
	}
}

// WriteRole records the role decide makes from the current one (nil for a
// create).
func (r *Runner) WriteRole(ctx context.Context, name string, decide func(cur *approleevent.Role) (*approleevent.Role, error)) error {
	return authcmd.Write(ctx, r.Bus, r.roleLoader(name), decide, func(v uint64, role approleevent.Role) []ledger.Event {
		return DecideWriteRole(RoleState{Mount: r.Mount, Name: name, Version: v}, role)
	})
}

// DeleteRole removes a role and its secret IDs.
func (r *Runner) DeleteRole(ctx context.Context, name string) error {
	return authcmd.Delete(ctx, r.Bus, r.roleLoader(name), func(v uint64) []ledger.Event {
		return DecideDeleteRole(RoleState{Mount: r.Mount, Name: name, Version: v, Role: &approleevent.Role{}})
	})
}

// SecretIDDecision decides on one secret ID of a role: role is the role
// (nil when gone), cur the secret ID's state (nil when none). It returns
// the events to record.
type SecretIDDecision func(role *approleevent.Role, cur *approleevent.SecretID) ([]approleevent.Event, error)

// RunSecretID loads role and its secret ID filed under hash, runs decide,
// and appends its events against the secret ID's version; a conflict
// loads and decides again.
func (r *Runner) RunSecretID(ctx context.Context, role string, hash func(*approleevent.Role) (string, error), decide SecretIDDecision) error {
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		rs, err := r.LoadRole(role)
		if err != nil {
			return nil, err
		}
		if rs.Role == nil {
			evs, err := decide(nil, nil)
			if err != nil || len(evs) == 0 {
				return nil, err
			}
			return nil, ErrSecretIDState
		}
		h, err := hash(rs.Role)
		if err != nil {
			return nil, err
		}
		st, err := r.LoadSecretID(role, h)
		if err != nil {
			return nil, err
		}
		evs, err := decide(rs.Role, st.SecretID)
		if err != nil {
			return nil, err
		}
		return DecideSecretID(st, evs...)
	})
	return err
}

// Tidy destroys the role's secret IDs decide picks (the expired ones),
// each against its own version, in one append.
func (r *Runner) Tidy(ctx context.Context, role string, decide func(*approleevent.Role, []*approleevent.SecretID) []approleevent.Event) (int, error) {
	n := 0
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		rs, err := r.LoadRole(role)
		if err != nil || rs.Role == nil {
			return nil, err
		}
		b, err := r.Bus.Ledger.UnsealedBarrier()
		if err != nil {
			return nil, err
		}
		all, err := authstore.ListSecretIDs(r.Bus.Projections, b, r.Mount, role)
		if err != nil {
			return nil, err
		}
		var out []ledger.Event
		for _, e := range decide(rs.Role, all) {
			d, ok := e.(approleevent.SecretIDDestroyed)
			if !ok {
				continue
			}
			st, err := r.LoadSecretID(role, d.HMAC)
			if err != nil {
				return nil, err
			}
			evs, err := DecideSecretID(st, d)
			if err != nil {
				return nil, err
			}
			out = append(out, evs...)
		}
		n = len(out)
		return out, nil
	})
	return n, err
}
