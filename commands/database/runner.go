package database

import (
	"context"
	"errors"
	"reflect"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// Runner executes database commands for one mount.
type Runner struct {
	Bus   *commands.Bus
	Mount string
}

// LoadConfig reads a configuration's state (its passwords opened).
func (r *Runner) LoadConfig(name string) (ConfigState, error) {
	b, err := r.Bus.Ledger.UnsealedBarrier()
	if err != nil {
		return ConfigState{}, err
	}
	st := ConfigState{Mount: r.Mount, Name: name}
	c, err := databasestore.GetConfig(r.Bus.Projections, b, r.Mount, name)
	switch {
	case errors.Is(err, databasestore.ErrNotFound):
		st.Version, err = databasestore.ConfigVersion(r.Bus.Projections, r.Mount, name)
		return st, err
	case err != nil:
		return st, err
	}
	st.Config, st.Version = c, c.Version
	return st, nil
}

// LoadRole reads a role's state.
func (r *Runner) LoadRole(name string) (RoleState, error) {
	st := RoleState{Mount: r.Mount, Name: name}
	role, err := databasestore.GetRole(r.Bus.Projections, r.Mount, name)
	switch {
	case errors.Is(err, databasestore.ErrNotFound):
		st.Version, err = r.Bus.Version(databaseevent.KindRole, databaseevent.AggregateID(r.Mount, name))
		return st, err
	case err != nil:
		return st, err
	}
	st.Role, st.Version = role, role.Version
	return st, nil
}

// WriteConfig merges w into the configuration and records it. verify, when
// set, sees the merged configuration before anything is recorded (the
// engine connects and pings there); its error aborts the write.
func (r *Runner) WriteConfig(ctx context.Context, name string, w ConfigWrite, verify func(context.Context, Merged) error) (Merged, error) {
	var out Merged
	var verified *Merged
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := r.LoadConfig(name)
		if err != nil {
			return nil, err
		}
		m, err := MergeConfig(st.Config, w)
		if err != nil {
			return nil, err
		}
		// A retry after a conflict verifies again only if the merge came
		// out differently.
		if verify != nil && (verified == nil || !sameMerge(*verified, m)) {
			if err := verify(ctx, m); err != nil {
				return nil, err
			}
			verified = &m
		}
		out = m
		return DecideWriteConfig(st, m)
	})
	return out, err
}

func sameMerge(a, b Merged) bool { return reflect.DeepEqual(a, b) }

// DeleteConfig removes a configuration; it reports whether there was one.
func (r *Runner) DeleteConfig(ctx context.Context, name string) (bool, error) {
	deleted := false
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := r.LoadConfig(name)
		if err != nil {
			return nil, err
		}
		events := DecideDeleteConfig(st)
		deleted = len(events) > 0
		return events, nil
	})
	return deleted, err
}

// WriteRole merges w into the role and records it. check, when set, sees
// the merged role first (the engine checks statement syntax there).
func (r *Runner) WriteRole(ctx context.Context, name string, w RoleWrite, check func(databasestore.Role) error) error {
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := r.LoadRole(name)
		if err != nil {
			return nil, err
		}
		role, err := MergeRole(st.Role, w)
		if err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(role); err != nil {
				return nil, err
			}
		}
		return DecideWriteRole(st, role), nil
	})
	return err
}

// DeleteRole removes a role.
func (r *Runner) DeleteRole(ctx context.Context, name string) error {
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := r.LoadRole(name)
		if err != nil {
			return nil, err
		}
		return DecideDeleteRole(st), nil
	})
	return err
}

// StartRotation records password as the pending root password.
func (r *Runner) StartRotation(ctx context.Context, name, password string) error {
	return r.runConfig(ctx, name, func(st ConfigState) ([]ledger.Event, error) { return DecideStartRotation(st, password) })
}

// FinishRotation records that the database took the pending password.
func (r *Runner) FinishRotation(ctx context.Context, name string) error {
	return r.runConfig(ctx, name, DecideRotated)
}

// AbandonRotation records that the database did not take the pending
// password.
func (r *Runner) AbandonRotation(ctx context.Context, name, errText string) error {
	return r.runConfig(ctx, name, func(st ConfigState) ([]ledger.Event, error) { return DecideRotationFailed(st, errText) })
}

func (r *Runner) runConfig(ctx context.Context, name string, decide func(ConfigState) ([]ledger.Event, error)) error {
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := r.LoadConfig(name)
		if err != nil {
			return nil, err
		}
		return decide(st)
	})
	return err
}
