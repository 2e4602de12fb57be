package token

import (
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
)

// DecideRenew extends t's lease. increment 0 renews by the token's current
// lease TTL (a login token: its user's or role's TTL now, limits.Method);
// a periodic token always gets its period. The new TTL never
// reaches past creation + the effective max TTL (explicit_max_ttl or the
// mount's max), nor, for a periodic token, past creation +
// explicit_max_ttl.
func DecideRenew(t *tokenevent.Token, increment time.Duration, limits Limits, now time.Time) ([]ledger.Event, []string, error) {
	if t == nil || !t.Live(now) {
		return nil, nil, ErrNotFound
	}
	if t.ExpireTime.IsZero() || !t.Renewable {
		return nil, nil, ErrNotRenewable
	}
	if increment < 0 {
		increment = 0
	}
	ownTTL, period := t.LeaseTTL, t.Period
	if m := limits.Method; m != nil {
		ownTTL, period = m.TTL, m.Period
		if m.MaxTTL > 0 && (limits.MaxTTL <= 0 || m.MaxTTL < limits.MaxTTL) {
			limits.MaxTTL = m.MaxTTL
		}
	}
	ttl, warnings, err := calculateTTL(limits, increment.Truncate(time.Second), ownTTL, period, t.ExplicitMaxTTL, t.CreationTime, now)
	if err != nil {
		return nil, nil, err
	}
	ev := ledger.MakeEvent(tokenevent.EventRenewed, tokenevent.Renewed{
		TTL: tokenevent.Seconds(ttl), ExpireTime: now.Add(ttl), RenewedAt: now,
	})
	return commands.Sequence(tokenevent.Kind, t.Hash, t.Version, ev), warnings, nil
}
