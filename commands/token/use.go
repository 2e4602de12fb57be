package token

import (
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
)

// DecideUse spends one use of a limited-use token. Unlimited tokens need
// no event. The last use also revokes the token in the same append, so no
// request can slip in between the last use and the revocation.
func DecideUse(t *tokenevent.Token, now time.Time) ([]ledger.Event, error) {
	if t == nil || !t.Live(now) {
		return nil, ErrNotFound
	}
	if t.NumUses <= 0 {
		return nil, nil
	}
	left := t.NumUses - 1
	events := []ledger.Event{ledger.MakeEvent(tokenevent.EventUseSpent, tokenevent.UseSpent{Remaining: left})}
	if left == 0 {
		events = append(events, ledger.MakeEvent(tokenevent.EventRevoked, tokenevent.Revoked{
			Accessor: t.Accessor, Parent: t.Parent, Reason: tokenevent.ReasonUsesExhausted,
			Target: t.Hash, Accessors: []string{t.Accessor},
		}))
	}
	return commands.Sequence(tokenevent.Kind, t.Hash, t.Version, events...), nil
}
