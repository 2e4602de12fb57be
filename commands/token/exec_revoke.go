package token

import (
	"context"
	"errors"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// maxRevokeRounds bounds the follow-up rounds that revoke children created
// while their parent was being revoked; each round needs a new race to
// lose, so two are already rare.
const maxRevokeRounds = 16

// tidyBatch is how many expired trees one tidy append revokes.
const tidyBatch = 256

// RevokeTree revokes the token with hash and all its descendants, and
// returns the accessors revoked. A token that does not exist is not an
// error (Vault answers 204 for it too).
func RevokeTree(ctx context.Context, bus *commands.Bus, hash, reason string) ([]string, error) {
	return revokeForest(ctx, bus, []string{hash}, reason)
}

func revokeForest(ctx context.Context, bus *commands.Bus, targets []string, reason string) ([]string, error) {
	b, err := barrierOf(bus)
	if err != nil {
		return nil, err
	}
	var accessors []string
	for round := 0; round < maxRevokeRounds; round++ {
		var forest []*Node
		_, err := bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
			var err error
			forest, err = loadForest(bus, b, targets)
			if err != nil {
				return nil, err
			}
			return DecideRevokeTree(forest, reason), nil
		})
		if err != nil {
			return accessors, err
		}
		// Children still indexed under a target or a revoked token were
		// created after the cascade was decided and stored before it (or
		// were missed by an earlier, interrupted cascade): revoke them too.
		revoked := append([]string{}, targets...)
		walkForest(forest, func(n *Node) {
			revoked = append(revoked, n.Token.Hash)
			accessors = append(accessors, n.Token.Accessor)
		})
		targets = targets[:0:0]
		for _, h := range revoked {
			kids, err := tokenstore.Children(bus.Projections, h)
			if err != nil {
				return accessors, err
			}
			targets = append(targets, kids...)
		}
		if len(targets) == 0 {
			return accessors, nil
		}
		reason = tokenevent.ReasonParentRevoked
	}
	return accessors, ErrTooManyRounds
}

// RevokeOrphan revokes the token with hash alone; its children become
// orphans. ErrNotFound if there is no such token.
func RevokeOrphan(ctx context.Context, bus *commands.Bus, hash string) error {
	b, err := barrierOf(bus)
	if err != nil {
		return err
	}
	_, err = bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		t, _, err := load(bus, b, hash)
		if err != nil {
			return nil, err
		}
		if t == nil {
			return nil, ErrNotFound
		}
		children, err := loadChildren(bus, b, hash)
		if err != nil {
			return nil, err
		}
		return DecideRevokeOrphan(t, children), nil
	})
	if err != nil {
		return err
	}
	for round := 0; round < maxRevokeRounds; round++ {
		var found bool
		_, err := bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
			strays, err := loadChildren(bus, b, hash)
			found = len(strays) > 0
			if err != nil || !found {
				return nil, err
			}
			return DecideOrphan(hash, strays), nil
		})
		if err != nil || !found {
			return err
		}
	}
	return ErrTooManyRounds
}

// Tidy revokes every token past its deadline (with its subtree, all of
// which died with it) and returns how many tokens it revoked. Resolution
// never needs it; it only reclaims space and tells lease engines, through
// the events, which tokens are gone.
func Tidy(ctx context.Context, bus *commands.Bus, now time.Time) (int, error) {
	b, err := barrierOf(bus)
	if err != nil {
		return 0, err
	}
	dead := map[string]string{} // hash -> parent
	err = tokenstore.Each(bus.Projections, b, func(t *tokenevent.Token) bool {
		if !t.Live(now) {
			dead[t.Hash] = t.Parent
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	var roots []string
	for h, parent := range dead {
		if _, parentDead := dead[parent]; !parentDead {
			roots = append(roots, h)
		}
	}
	count := 0
	for len(roots) > 0 {
		n := min(len(roots), tidyBatch)
		revoked, err := revokeForest(ctx, bus, roots[:n], tokenevent.ReasonExpired)
		count += len(revoked)
		if err != nil {
			return count, err
		}
		roots = roots[n:]
	}
	return count, nil
}

func loadChildren(bus *commands.Bus, b *ledger.Barrier, parent string) ([]*tokenevent.Token, error) {
	hashes, err := tokenstore.Children(bus.Projections, parent)
	if err != nil {
		return nil, err
	}
	out := make([]*tokenevent.Token, 0, len(hashes))
	for _, h := range hashes {
		t, err := tokenstore.Get(bus.Projections, b, h)
		if errors.Is(err, tokenstore.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// loadForest reads the live trees under roots, each token once.
func loadForest(bus *commands.Bus, b *ledger.Barrier, roots []string) ([]*Node, error) {
	seen := map[string]bool{}
	var forest []*Node
	for _, h := range roots {
		if seen[h] {
			continue
		}
		seen[h] = true
		t, err := tokenstore.Get(bus.Projections, b, h)
		if errors.Is(err, tokenstore.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		root := &Node{Token: t}
		forest = append(forest, root)
		queue := []*Node{root}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			kids, err := loadChildren(bus, b, n.Token.Hash)
			if err != nil {
				return nil, err
			}
			for _, k := range kids {
				if seen[k.Hash] {
					continue
				}
				seen[k.Hash] = true
				c := &Node{Token: k}
				n.Children = append(n.Children, c)
				queue = append(queue, c)
			}
		}
	}
	return forest, nil
}

func walkForest(forest []*Node, fn func(*Node)) {
	var walk func(n *Node)
	walk = func(n *Node) {
		fn(n)
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, r := range forest {
		walk(r)
	}
}
