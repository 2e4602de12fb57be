package tokenstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Register installs the token apply functions on p.
func Register(p *projections.Projector) {
	p.Handle(tokenevent.EventCreated, applyCreated)
	p.Handle(tokenevent.EventRenewed, applyRenewed)
	p.Handle(tokenevent.EventUseSpent, applyUseSpent)
	p.Handle(tokenevent.EventRevoked, applyRevoked)
	p.Handle(tokenevent.EventOrphaned, applyOrphaned)
}

func decode(rec ledger.Record, v any) error {
	if err := json.Unmarshal(rec.Data, v); err != nil {
		return fmt.Errorf("tokenstore: decode %s: %w", rec.Type, err)
	}
	return nil
}

// getTx returns the record of hash as the batch sees it, or nil.
func getTx(tx *projections.Tx, hash string) (*tokenevent.Token, error) {
	key := idKey(hash)
	sealed, err := tx.Get(key)
	if errors.Is(err, projections.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return openCached(tx.Barrier(), hash, key, sealed, 0)
}

func putTx(tx *projections.Tx, t *tokenevent.Token) error {
	sealed, err := sealRecord(tx.Barrier(), t)
	if err != nil {
		return err
	}
	return tx.Set(idKey(t.Hash), sealed)
}

func seconds(n int64) time.Duration { return time.Duration(n) * time.Second }

// Created is the record a token.created event makes, but for
// AncestorDeadline, which the projection takes from the parent when it
// applies the event. A creator that answers from what it decided
// (commands/token.Create) builds its answer here, so that answer and
// record cannot drift apart.
func Created(hash string, version uint64, c tokenevent.Created) *tokenevent.Token {
	return &tokenevent.Token{
		Hash: hash, Version: version,
		Accessor: c.Accessor, Parent: c.Parent, Policies: c.Policies, Meta: c.Meta,
		DisplayName: c.DisplayName, Path: c.Path, EntityID: c.EntityID, Type: c.Type,
		NumUses: c.NumUses, CreationTime: c.CreationTime,
		CreationTTL: seconds(c.TTL), LeaseTTL: seconds(c.TTL),
		ExplicitMaxTTL: seconds(c.ExplicitMaxTTL), Period: seconds(c.Period),
		Renewable: c.Renewable, ExpireTime: c.ExpireTime,
		BoundCIDRs: c.BoundCIDRs, MountAccessor: c.MountAccessor, Alias: c.Alias, InternalData: c.InternalData,
	}
}

func applyCreated(tx *projections.Tx, rec ledger.Record) error {
	var c tokenevent.Created
	if err := decode(rec, &c); err != nil {
		return err
	}
	t := Created(rec.Aggregate, rec.Version, c)
	if c.Parent != "" {
		parent, err := getTx(tx, c.Parent)
		if err != nil {
			return err
		}
		if parent == nil {
			// The parent was revoked after this creation was decided:
			// the child is dead on arrival, exactly as if it had been
			// revoked with its parent. The creator sees no record and
			// reports the failure.
			return nil
		}
		t.AncestorDeadline = parent.Deadline()
		if err := tx.Set(childKey(c.Parent, t.Hash), []byte{}); err != nil {
			return err
		}
	}
	if err := putTx(tx, t); err != nil {
		return err
	}
	return tx.Set(accessorKey(tx.Barrier(), t.Accessor), []byte(t.Hash))
}

func applyRenewed(tx *projections.Tx, rec ledger.Record) error {
	var r tokenevent.Renewed
	if err := decode(rec, &r); err != nil {
		return err
	}
	t, err := getTx(tx, rec.Aggregate)
	if err != nil || t == nil {
		return err
	}
	t.Version = rec.Version
	t.LeaseTTL = seconds(r.TTL)
	t.ExpireTime = r.ExpireTime
	t.LastRenewal = r.RenewedAt
	if err := putTx(tx, t); err != nil {
		return err
	}
	return cascadeDeadline(tx, t)
}

func applyUseSpent(tx *projections.Tx, rec ledger.Record) error {
	var u tokenevent.UseSpent
	if err := decode(rec, &u); err != nil {
		return err
	}
	t, err := getTx(tx, rec.Aggregate)
	if err != nil || t == nil {
		return err
	}
	t.Version = rec.Version
	t.NumUses = u.Remaining
	return putTx(tx, t)
}

func applyRevoked(tx *projections.Tx, rec ledger.Record) error {
	var r tokenevent.Revoked
	if err := decode(rec, &r); err != nil {
		return err
	}
	accessor, parent := r.Accessor, r.Parent
	t, err := getTx(tx, rec.Aggregate)
	if err != nil {
		return err
	}
	if t != nil {
		// The record knows better: the token may have been orphaned
		// since the event's parent was read.
		accessor, parent = t.Accessor, t.Parent
	}
	if err := tx.Delete(idKey(rec.Aggregate)); err != nil {
		return err
	}
	if accessor != "" {
		if err := tx.Delete(accessorKey(tx.Barrier(), accessor)); err != nil {
			return err
		}
	}
	if parent != "" {
		return tx.Delete(childKey(parent, rec.Aggregate))
	}
	// The token's own children entries stay: a cascade removes them one
	// by one as it revokes each child, so whatever is left is a child the
	// cascade did not know about, for the revoker to find.
	return nil
}

func applyOrphaned(tx *projections.Tx, rec ledger.Record) error {
	t, err := getTx(tx, rec.Aggregate)
	if err != nil || t == nil {
		return err
	}
	if t.Parent != "" {
		if err := tx.Delete(childKey(t.Parent, t.Hash)); err != nil {
			return err
		}
	}
	t.Version = rec.Version
	t.Parent = ""
	t.AncestorDeadline = time.Time{}
	if err := putTx(tx, t); err != nil {
		return err
	}
	return cascadeDeadline(tx, t)
}

// cascadeDeadline pushes from's deadline down to its descendants, so a
// child never outlives a parent whose expiry moved (renewal) or vanished
// (orphaning). It walks only as far as something changes.
func cascadeDeadline(tx *projections.Tx, from *tokenevent.Token) error {
	stack := []*tokenevent.Token{from}
	seen := map[string]bool{from.Hash: true}
	for len(stack) > 0 {
		parent := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		children, err := childrenTx(tx, parent.Hash)
		if err != nil {
			return err
		}
		deadline := parent.Deadline()
		for _, h := range children {
			if seen[h] {
				continue // a cycle cannot be built, but never loop on one
			}
			seen[h] = true
			c, err := getTx(tx, h)
			if err != nil {
				return err
			}
			if c == nil || c.AncestorDeadline.Equal(deadline) {
				continue
			}
			c.AncestorDeadline = deadline
			if err := putTx(tx, c); err != nil {
				return err
			}
			stack = append(stack, c)
		}
	}
	return nil
}

// childrenTx lists child hashes before anything is written, since a batch
// iterator need not see writes made while it is open.
func childrenTx(tx *projections.Tx, parent string) ([]string, error) {
	var out []string
	err := tx.Scan(childPrefix(parent), func(k, _ []byte) bool {
		out = append(out, childOf(k))
		return true
	})
	return out, err
}
