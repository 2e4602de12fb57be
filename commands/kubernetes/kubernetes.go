package kubernetes

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/authcmd"
	"github.com/cofferhq/coffer/events/kubernetesevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/authstore"
)

// RoleState is a role as a decision sees it.
type RoleState struct {
	Mount, Name string
	// Role is nil when there is none.
	Role    *kubernetesevent.Role
	Version uint64
}

func (st RoleState) sequence(e ledger.Event) []ledger.Event {
	return commands.Sequence(kubernetesevent.KindRole, kubernetesevent.RoleAggregate(st.Mount, st.Name), st.Version, e)
}

// DecideWriteConfig records the mount's config, replacing the one at
// version.
func DecideWriteConfig(mount string, version uint64, c kubernetesevent.Config) []ledger.Event {
	return commands.Sequence(kubernetesevent.KindConfig, mount, version,
		ledger.MakeEvent(kubernetesevent.EventConfigWritten, kubernetesevent.ConfigWritten{Mount: mount, Config: c}))
}

// DecideWriteRole records r as st's role.
func DecideWriteRole(st RoleState, r kubernetesevent.Role) []ledger.Event {
	r.Name = st.Name
	return st.sequence(ledger.MakeEvent(kubernetesevent.EventRoleWritten, kubernetesevent.RoleWritten{Mount: st.Mount, Role: r}))
}

// DecideDeleteRole records a deletion; deleting nothing is a no-op.
func DecideDeleteRole(st RoleState) []ledger.Event {
	if st.Role == nil {
		return nil
	}
	return st.sequence(ledger.MakeEvent(kubernetesevent.EventRoleDeleted, kubernetesevent.RoleDeleted{Mount: st.Mount, Name: st.Name}))
}

// Runner executes Kubernetes auth commands for one mount.
type Runner struct {
	Bus   *commands.Bus
	Mount string
}

// WriteConfig records c as the mount's config.
func (r *Runner) WriteConfig(ctx context.Context, c kubernetesevent.Config) error {
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		v, err := r.Bus.Version(kubernetesevent.KindConfig, r.Mount)
		if err != nil {
			return nil, err
		}
		return DecideWriteConfig(r.Mount, v, c), nil
	})
	return err
}

// LoadRole reads a role's state.
func (r *Runner) LoadRole(name string) (RoleState, error) {
	b, err := r.Bus.Ledger.UnsealedBarrier()
	if err != nil {
		return RoleState{}, err
	}
	role, v, err := authstore.GetKubernetesRole(r.Bus.Projections, b, r.Mount, name)
	if errors.Is(err, authstore.ErrNotFound) {
		err = nil
	}
	return RoleState{Mount: r.Mount, Name: name, Role: role, Version: v}, err
}

func (r *Runner) roleLoader(name string) authcmd.Loader[kubernetesevent.Role] {
	return func() (*kubernetesevent.Role, uint64, error) {
		st, err := r.LoadRole(name)
		return st.Role, st.Version, err
	}
}

// WriteRole records the role decide makes from the current one (nil for a
// create).
func (r *Runner) WriteRole(ctx context.Context, name string, decide func(cur *kubernetesevent.Role) (*kubernetesevent.Role, error)) error {
	return authcmd.Write(ctx, r.Bus, r.roleLoader(name), decide, func(v uint64, role kubernetesevent.Role) []ledger.Event {
		return DecideWriteRole(RoleState{Mount: r.Mount, Name: name, Version: v}, role)
	})
}

// DeleteRole removes a role.
func (r *Runner) DeleteRole(ctx context.Context, name string) error {
	return authcmd.Delete(ctx, r.Bus, r.roleLoader(name), func(v uint64) []ledger.Event {
		return DecideDeleteRole(RoleState{Mount: r.Mount, Name: name, Version: v, Role: &kubernetesevent.Role{}})
	})
}
