package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// stateQuery shows a token's state at a past ledger index by accessor
// (auth/token/accessors/<accessor>): live or expired from the read model,
// revoked (when, why, by whom) from the last token record the replay saw,
// since the read model forgets revoked tokens.
var stateQuery = framework.StateQuery{Describe: describe, Track: track}

func track(sv *framework.StateView, rec *ledger.Record) {
	if rec.Type != tokenevent.EventCreated && rec.Type != tokenevent.EventRevoked {
		return
	}
	var e struct {
		Accessor string `json:"accessor"`
	}
	if json.Unmarshal(rec.Data, &e) == nil && e.Accessor != "" {
		sv.Remember("token:"+e.Accessor, *rec)
	}
}

func describe(sv *framework.StateView, path string) (map[string]any, bool, error) {
	accessor, ok := strings.CutPrefix(path, "auth/token/accessors/")
	if !ok || accessor == "" {
		return nil, false, nil
	}
	b := sv.Ledger.Barrier()
	if b == nil {
		return nil, true, ledger.ErrSealed
	}
	t, err := tokenstore.ByAccessor(sv.Store, b, accessor)
	if errors.Is(err, tokenstore.ErrNotFound) {
		out, err := revokedToken(sv, accessor)
		return out, true, err
	}
	if err != nil {
		return nil, true, err
	}
	state := "live"
	if !t.Live(sv.At) {
		state = "expired"
	}
	out := map[string]any{
		"kind": "token", "accessor": t.Accessor, "state": state, "policies": t.Policies,
		"display_name": t.DisplayName, "path": t.Path, "type": t.Type, "orphan": t.Orphan(),
		"num_uses": t.NumUses, "renewable": t.Renewable,
		"creation_time": t.CreationTime.UTC().Format(time.RFC3339),
		"creation_ttl":  int64(t.CreationTTL / time.Second),
		"expire_time":   nil, "meta": t.Meta, "entity_id": t.EntityID,
	}
	if d := t.Deadline(); !d.IsZero() {
		out["expire_time"] = d.UTC().Format(time.RFC3339)
	}
	if !t.LastRenewal.IsZero() {
		out["last_renewal_time"] = t.LastRenewal.UTC().Format(time.RFC3339)
	}
	return out, true, nil
}

// revokedToken answers for a token the read model no longer holds.
func revokedToken(sv *framework.StateView, accessor string) (map[string]any, error) {
	rec, ok := sv.Recall("token:" + accessor)
	if !ok || rec.Type != tokenevent.EventRevoked {
		return nil, framework.ErrNotFound
	}
	var e tokenevent.Revoked
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		return nil, fmt.Errorf("token: token record: %w", err)
	}
	return map[string]any{
		"kind": "token", "accessor": accessor, "state": "revoked", "reason": e.Reason,
		"revoked_at": rec.At.UTC().Format(time.RFC3339Nano), "revoked_by": rec.Actor,
		"revoked_at_index": rec.Seq,
	}, nil
}
