package token

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// BatchPrefix starts a batch token, as Vault's "hvb.".
const BatchPrefix = "hvb."

// TypeBatch is the type of a batch token.
const TypeBatch = "batch"

// batchAAD binds a batch token's sealed claims to their purpose.
var batchAAD = []byte("coffer-batch-token")

// SealBatch makes a batch token from a planned creation: the token's
// record, sealed under the keyring's active term, is the token itself.
// Nothing is stored, so a batch token costs no ledger commit; any node
// with the keyring can open it. It cannot be renewed or revoked on its
// own and dies with its parent.
func SealBatch(b *ledger.Barrier, c tokenevent.Created) (string, error) {
	if b == nil {
		return "", ledger.ErrSealed
	}
	t := tokenevent.Token{
		Parent: c.Parent, Policies: c.Policies, Meta: c.Meta, DisplayName: c.DisplayName, Path: c.Path,
		EntityID: c.EntityID, Type: TypeBatch, CreationTime: c.CreationTime,
		CreationTTL: time.Duration(c.TTL) * time.Second, LeaseTTL: time.Duration(c.TTL) * time.Second,
		ExplicitMaxTTL: time.Duration(c.ExplicitMaxTTL) * time.Second, ExpireTime: c.ExpireTime,
		BoundCIDRs: c.BoundCIDRs, MountAccessor: c.MountAccessor, Alias: c.Alias, InternalData: c.InternalData,
	}
	raw, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("token: batch token: %w", err)
	}
	return BatchPrefix + base64.RawURLEncoding.EncodeToString(b.Seal(batchAAD, raw)), nil
}

// IsBatch reports whether raw has the batch token's form.
func IsBatch(raw string) bool { return strings.HasPrefix(raw, BatchPrefix) }

// OpenBatch returns the record a batch token carries, or
// tokenstore.ErrNotFound when it does not open or its parent is gone. The
// parent's deadline becomes the token's ancestor deadline.
func OpenBatch(s *projections.Store, b *ledger.Barrier, raw string) (*tokenevent.Token, error) {
	if b == nil {
		return nil, ledger.ErrSealed
	}
	sealed, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(raw, BatchPrefix))
	if err != nil {
		return nil, tokenstore.ErrNotFound
	}
	pt, err := b.Open(batchAAD, sealed)
	if err != nil {
		return nil, tokenstore.ErrNotFound
	}
	var t tokenevent.Token
	if err := json.Unmarshal(pt, &t); err != nil {
		return nil, tokenstore.ErrNotFound
	}
	if t.Parent != "" {
		p, err := tokenstore.Get(s, b, t.Parent)
		if err != nil {
			return nil, err
		}
		t.AncestorDeadline = p.Deadline()
	}
	return &t, nil
}

// planBatch checks what a batch token cannot be, as Vault does.
func planBatch(c *tokenevent.Created) error {
	switch {
	case c.Period > 0:
		return fmt.Errorf("%w: batch tokens cannot be periodic", ErrInvalid)
	case c.NumUses > 0:
		return fmt.Errorf("%w: batch tokens cannot have a limited number of uses", ErrInvalid)
	case len(c.Policies) == 1 && c.Policies[0] == "root":
		return fmt.Errorf("%w: batch tokens cannot be root tokens", ErrInvalid)
	}
	c.Type = TypeBatch
	c.Renewable = false
	return nil
}
