package token

import (
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// DecideUse spends one use of a limited-use token. Unlimited tokens need
// no event. The last use also revokes the token in the same append, so no
// request can slip in between the last use and the revocation.
func DecideUse(t *tokenstore.Token, now time.Time) ([]ledger.Event, error) {
	if t == nil || !t.Live(now) {
		return nil, ErrNotFound
	}
	if t.NumUses <= 0 {
		return nil, nil
	}
	left := t.NumUses - 1
	events := []ledger.Event{ledger.NewEvent(tokenstore.EventUseSpent, tokenstore.SchemaV1, tokenstore.UseSpent{Remaining: left})}
	if left == 0 {
		events = append(events, ledger.NewEvent(tokenstore.EventRevoked, tokenstore.SchemaV1, tokenstore.Revoked{
			Accessor: t.Accessor, Parent: t.Parent, Reason: tokenstore.ReasonUsesExhausted,
			Target: t.Hash, Accessors: []string{t.Accessor},
		}))
	}
	return commands.Sequence(tokenstore.Kind, t.Hash, t.Version, events...), nil
}
