package token

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/authcmd"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/authstore"
)

// ApplyRole turns a creation against role into the request PlanCreate
// decides, with Vault's token role rules: the requested policies (or, when
// none, the role's allowed policies, else the parent's) must be within
// allowed_policies when it is set and outside disallowed_policies; the
// role vouches for them, as it does for its orphan and period settings
// (no sudo needed); explicit_max_ttl is the lower of the request's and the
// role's; a non-renewable role makes non-renewable tokens; the path gets
// the role's suffix.
func ApplyRole(parent *tokenevent.Token, c CreateRequest, role *tokenevent.Role) (CreateRequest, error) {
	if role == nil {
		return c, ErrUnknownRole
	}
	out := c
	requested := SanitizePolicies(c.Policies, false)
	if len(role.AllowedPolicies) > 0 {
		allowed := SanitizePolicies(role.AllowedPolicies, false)
		if len(requested) == 0 {
			requested = slices.DeleteFunc(allowed, func(p string) bool { return slices.Contains(role.DisallowedPolicies, p) })
		} else if !subset(allowed, requested) {
			return c, fmt.Errorf("%w (%q)", ErrRoleNotSubset, role.AllowedPolicies)
		}
		out.roleVouched = true
	} else if len(requested) == 0 && parent != nil {
		requested = SanitizePolicies(parent.Policies, false)
	}
	for _, p := range requested {
		if slices.Contains(role.DisallowedPolicies, p) {
			return c, fmt.Errorf("%w: %q", ErrRoleDisallowedPolicy, p)
		}
	}
	out.Policies = requested
	if slices.Contains(role.DisallowedPolicies, "default") || role.NoDefaultPolicy {
		out.NoDefaultPolicy = true
	}
	if role.Orphan {
		out.Orphan = true
	}
	if role.Period > 0 {
		out.Period = time.Duration(role.Period) * time.Second
		out.rolePeriod = true
	}
	if m := time.Duration(role.ExplicitMaxTTL) * time.Second; m > 0 && (out.ExplicitMaxTTL == 0 || m < out.ExplicitMaxTTL) {
		out.ExplicitMaxTTL = m
	}
	if out.TTL == 0 {
		out.TTL = time.Duration(role.TTL) * time.Second
	}
	out.roleMaxTTL = time.Duration(role.MaxTTL) * time.Second
	if !role.Renewable {
		f := false
		out.Renewable = &f
	}
	if out.NumUses == 0 {
		out.NumUses = role.NumUses
	}
	if out.Type == "" {
		switch role.Type {
		case "batch", "default-batch":
			out.Type = "batch"
		case "service":
			out.Type = role.Type
		}
	}
	out.BoundCIDRs = slices.Clone(role.BoundCIDRs)
	if role.PathSuffix != "" {
		out.Path += "/" + role.PathSuffix
	}
	return out, nil
}

// DecideWriteRole records a token role.
func DecideWriteRole(version uint64, r tokenevent.Role) []ledger.Event {
	return commands.Sequence(tokenevent.KindRole, r.Name, version, ledger.MakeEvent(tokenevent.EventRoleWritten, tokenevent.RoleWritten{Role: r}))
}

// DecideDeleteRole records a role's deletion; deleting nothing is a no-op.
func DecideDeleteRole(cur *tokenevent.Role, version uint64, name string) []ledger.Event {
	if cur == nil {
		return nil
	}
	return commands.Sequence(tokenevent.KindRole, name, version, ledger.MakeEvent(tokenevent.EventRoleDeleted, tokenevent.RoleDeleted{Name: name}))
}

// LoadRole reads a token role (nil when none) and its version.
func LoadRole(bus *commands.Bus, name string) (*tokenevent.Role, uint64, error) {
	b, err := barrierOf(bus)
	if err != nil {
		return nil, 0, err
	}
	r, v, err := authstore.GetTokenRole(bus.Projections, b, name)
	if errors.Is(err, authstore.ErrNotFound) {
		err = nil
	}
	return r, v, err
}

func roleLoader(bus *commands.Bus, name string) authcmd.Loader[tokenevent.Role] {
	return func() (*tokenevent.Role, uint64, error) { return LoadRole(bus, name) }
}

// WriteRole records the role decide makes from the current one (nil for a
// create).
func WriteRole(ctx context.Context, bus *commands.Bus, name string, decide func(cur *tokenevent.Role) (*tokenevent.Role, error)) error {
	return authcmd.Write(ctx, bus, roleLoader(bus, name), decide, func(v uint64, r tokenevent.Role) []ledger.Event {
		r.Name = name
		return DecideWriteRole(v, r)
	})
}

// DeleteRole removes a token role.
func DeleteRole(ctx context.Context, bus *commands.Bus, name string) error {
	return authcmd.Delete(ctx, bus, roleLoader(bus, name), func(v uint64) []ledger.Event {
		return DecideDeleteRole(&tokenevent.Role{}, v, name)
	})
}
