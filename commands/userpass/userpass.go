package userpass

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/authcmd"
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
	b, err := r.Bus.Ledger.UnsealedBarrier()
	if err != nil {
		return UserState{}, err
	}
	u, v, err := authstore.GetUser(r.Bus.Projections, b, r.Mount, name)
	if errors.Is(err, authstore.ErrNotFound) {
		err = nil
	}
	return UserState{Mount: r.Mount, Name: name, User: u, Version: v}, err
}

func (r *Runner) userLoader(name string) authcmd.Loader[userpassevent.User] {
	return func() (*userpassevent.User, uint64, error) {
		st, err := r.LoadUser(name)
		return st.User, st.Version, err
	}
}

// WriteUser records the user decide makes from the current one (nil for a
// create).
func (r *Runner) WriteUser(ctx context.Context, name string, decide func(cur *userpassevent.User) (*userpassevent.User, error)) error {
	return authcmd.Write(ctx, r.Bus, r.userLoader(name), decide, func(v uint64, u userpassevent.User) []ledger.Event {
		return DecideWriteUser(UserState{Mount: r.Mount, Name: name, Version: v}, u)
	})
}

// DeleteUser removes a user.
func (r *Runner) DeleteUser(ctx context.Context, name string) error {
	return authcmd.Delete(ctx, r.Bus, r.userLoader(name), func(v uint64) []ledger.Event {
		return DecideDeleteUser(UserState{Mount: r.Mount, Name: name, Version: v, User: &userpassevent.User{}})
	})
}
