package token

import (
	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
)

// Node is one token of a subtree to revoke.
type Node struct {
	Token    *tokenevent.Token
	Children []*Node
}

// DecideRevokeTree revokes every token of every tree in roots: one
// token.revoked event per token, children before their parent (post-order,
// as Vault's depth-first revocation), so that replaying any prefix of the
// events never leaves a live child under a revoked parent. Each root's
// event carries reason and every accessor its tree lost; descendants carry
// ReasonParentRevoked.
func DecideRevokeTree(roots []*Node, reason string) []ledger.Event {
	var events []ledger.Event
	for _, root := range roots {
		var accessors []string
		var walk func(n *Node)
		walk = func(n *Node) {
			for _, c := range n.Children {
				walk(c)
			}
			accessors = append(accessors, n.Token.Accessor)
			if n == root {
				return
			}
			events = append(events, revokedEvent(n.Token, tokenevent.ReasonParentRevoked, root.Token.Hash, nil))
		}
		walk(root)
		events = append(events, revokedEvent(root.Token, reason, root.Token.Hash, accessors))
	}
	return events
}

// DecideRevokeOrphan revokes target alone: its children get token.orphaned
// first and live on without a parent.
func DecideRevokeOrphan(target *tokenevent.Token, children []*tokenevent.Token) []ledger.Event {
	events := DecideOrphan(target.Hash, children)
	return append(events, revokedEvent(target, tokenevent.ReasonRevokeOrphan, target.Hash, []string{target.Accessor}))
}

// DecideOrphan detaches children from their former parent.
func DecideOrphan(formerParent string, children []*tokenevent.Token) []ledger.Event {
	events := make([]ledger.Event, 0, len(children)+1)
	for _, c := range children {
		ev := ledger.MakeEvent(tokenevent.EventOrphaned, tokenevent.Orphaned{FormerParent: formerParent})
		events = append(events, commands.Sequence(tokenevent.Kind, c.Hash, c.Version, ev)...)
	}
	return events
}

func revokedEvent(t *tokenevent.Token, reason, target string, accessors []string) ledger.Event {
	ev := ledger.MakeEvent(tokenevent.EventRevoked, tokenevent.Revoked{
		Accessor: t.Accessor, Parent: t.Parent, Reason: reason, Target: target, Accessors: accessors,
	})
	return commands.Sequence(tokenevent.Kind, t.Hash, t.Version, ev)[0]
}
