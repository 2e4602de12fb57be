package userpass

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/userpassevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/authstore"
)

// UserState is a user as a decision sees it.
type UserState struct {
	Mount, Name string
	// User is nil when there is none.
	User    *userpassevent.User
	Version uint64
}

func (st UserState) sequence(e ledger.Event) []ledger.Event {
	return commands.Sequence(userpassevent.KindUser, userpassevent.UserAggregate(st.Mount, st.Name), st.Version, e)
}

// DecideWriteUser records u as st's user.
func DecideWriteUser(st UserState, u userpassevent.User) []ledger.Event {
	u.Name = st.Name
	return st.sequence(ledger.MakeEvent(userpassevent.EventUserWritten, userpassevent.UserWritten{Mount: st.Mount, User: u}))
}

// DecideDeleteUser records a deletion; deleting nothing is a no-op.
func DecideDeleteUser(st UserState) []ledger.Event {
	if st.User == nil {
		return nil
	}
	return st.sequence(ledger.MakeEvent(userpassevent.EventUserDeleted, userpassevent.UserDeleted{Mount: st.Mount, Name: st.Name}))
}

// Runner executes userpass commands for one mount.
type Runner struct {
	Bus   *commands.Bus
	Mount string
}

// LoadUser reads a user's state.
func (r *Runner) LoadUser(name string) (UserState, error) {
	b := r.Bus.Ledger.Barrier()
	if b == nil {
		return UserState{}, ledger.ErrSealed
	}
	u, v, err := authstore.GetUser(r.Bus.Projections, b, r.Mount, name)
	if errors.Is(err, authstore.ErrNotFound) {
		err = nil
	}
	return UserState{Mount: r.Mount, Name: name, User: u, Version: v}, err
}

// WriteUser records the user decide makes from the current one (nil for a
// create).
func (r *Runner) WriteUser(ctx context.Context, name string, decide func(cur *userpassevent.User) (*userpassevent.User, error)) error {
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := r.LoadUser(name)
		if err != nil {
			return nil, err
		}
		u, err := decide(st.User)
		if err != nil || u == nil {
			return nil, err
		}
		return DecideWriteUser(st, *u), nil
	})
	return err
}

// DeleteUser removes a user.
func (r *Runner) DeleteUser(ctx context.Context, name string) error {
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := r.LoadUser(name)
		if err != nil {
			return nil, err
		}
		return DecideDeleteUser(st), nil
	})
	return err
}
