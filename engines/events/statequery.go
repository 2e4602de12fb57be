package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands/lease"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/kvstore"
	"github.com/cofferhq/coffer/projections/leasestore"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// describe reads one item from the scratch read models. Paths:
// sys/policies/acl/<name> (or sys/policy/<name>), auth/token/accessors/
// <accessor>, sys/leases/<id> (or sys/leases/lookup/<id>), and a KV v2
// secret as <mount>/data/<path> or <mount>/metadata/<path>.
func (h *Hub) describe(sc *scratch, path string) (map[string]any, error) {
	b := h.opts.Deps.Ledger.Barrier()
	if b == nil {
		return nil, ledger.ErrSealed
	}
	if name, ok := cutAny(path, "sys/policies/acl/", "sys/policy/"); ok {
		return describePolicy(sc, name)
	}
	if acc, ok := cutAny(path, "auth/token/accessors/"); ok {
		return describeToken(sc, b, acc)
	}
	if id, ok := cutAny(path, "sys/leases/lookup/", "sys/leases/"); ok {
		return describeLease(sc, b, id)
	}
	return h.describeKV(sc, path)
}

func cutAny(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok && rest != "" {
			return rest, true
		}
	}
	return "", false
}

func describePolicy(sc *scratch, name string) (map[string]any, error) {
	p, err := policystore.Get(sc.store, name)
	if errors.Is(err, policystore.ErrNotFound) {
		return nil, framework.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"kind": "policy", "name": p.Name, "policy": p.Text}, nil
}

func describeToken(sc *scratch, b *ledger.Barrier, accessor string) (map[string]any, error) {
	t, err := tokenstore.ByAccessor(sc.store, b, accessor)
	if errors.Is(err, tokenstore.ErrNotFound) {
		return revokedToken(sc, accessor)
	}
	if err != nil {
		return nil, err
	}
	state := "live"
	if !t.Live(sc.at) {
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
	return out, nil
}

// revokedToken answers for a token the read model no longer holds, from
// the last token record the replay saw for its accessor.
func revokedToken(sc *scratch, accessor string) (map[string]any, error) {
	rec, ok := sc.tokens[accessor]
	if !ok || rec.Type != tokenstore.EventRevoked {
		return nil, framework.ErrNotFound
	}
	var e tokenstore.Revoked
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		return nil, fmt.Errorf("events: token record: %w", err)
	}
	return map[string]any{
		"kind": "token", "accessor": accessor, "state": "revoked", "reason": e.Reason,
		"revoked_at": rec.At.UTC().Format(time.RFC3339Nano), "revoked_by": rec.Actor,
		"revoked_at_index": rec.Seq,
	}, nil
}

func tokenRecord(typ string) bool {
	return typ == tokenstore.EventCreated || typ == tokenstore.EventRevoked
}

func tokenAccessor(rec *ledger.Record) string {
	var e struct {
		Accessor string `json:"accessor"`
	}
	_ = json.Unmarshal(rec.Data, &e)
	return e.Accessor
}

// describeLease never shows the engine's revoke data or its last error:
// they may name database users and connection details.
func describeLease(sc *scratch, b *ledger.Barrier, id string) (map[string]any, error) {
	s, err := leasestore.Get(sc.store, b, id)
	if errors.Is(err, lease.ErrNotFound) {
		return nil, framework.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"kind": "lease", "id": s.ID, "state": s.State, "engine": s.Engine, "mount_path": s.MountPath,
		"issued_from":    strings.TrimSuffix(s.MountPath, "/") + "/" + strings.Trim(s.Path, "/"),
		"token_accessor": s.TokenAccessor, "renewable": s.Renewable,
		"issue_time": fmtTime(s.IssuedAt), "expire_time": fmtTime(s.ExpireAt),
		"max_expire_time": fmtTime(s.MaxExpireAt), "last_renewal_time": fmtTime(s.LastRenewal),
		"revoke_time": fmtTime(s.RevokedAt), "reason": s.Reason, "revocation_attempts": s.Attempts,
	}
	return out, nil
}

func fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

// describeKV shows a KV v2 secret's metadata as Vault's metadata read
// does. Values are never read: their ciphertext sits in the scratch store
// too, but only the data keys open it, and destroyed ones are gone.
func (h *Hub) describeKV(sc *scratch, path string) (map[string]any, error) {
	mounts, err := mountstore.List(sc.store)
	if err != nil {
		return nil, err
	}
	var mount mountstore.Mount
	for _, m := range mounts {
		if strings.HasPrefix(path+"/", m.Path) && len(m.Path) > len(mount.Path) {
			mount = m
		}
	}
	if mount.Path == "" || (mount.Type != "kv" && mount.Type != "kv-v2") {
		return nil, fmt.Errorf("%w: %q is not a policy, token accessor, lease or KV v2 secret at that time", ErrUnsupportedPath, path)
	}
	rest := strings.TrimPrefix(path, mount.Path)
	secret, ok := cutAny(rest, "data/", "metadata/")
	if !ok {
		return nil, fmt.Errorf("%w: a KV path is <mount>/data/<path> or <mount>/metadata/<path>", ErrUnsupportedPath)
	}
	reader := kvstore.Reader{Store: sc.store, Ledger: h.opts.Deps.Ledger}
	meta, err := reader.Metadata(mount.Accessor, secret)
	if errors.Is(err, kvstore.ErrNotFound) {
		return nil, framework.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	versions := map[string]any{}
	for v, vm := range meta.Versions {
		deletion := ""
		if !vm.DeletionTime.IsZero() {
			deletion = vm.DeletionTime.UTC().Format(time.RFC3339Nano)
		}
		versions[strconv.FormatUint(v, 10)] = map[string]any{
			"created_time": vm.CreatedTime.UTC().Format(time.RFC3339Nano), "deletion_time": deletion,
			"destroyed": vm.Destroyed, "deleted": vm.Deleted(sc.at),
		}
	}
	custom := meta.CustomMetadata
	if custom == nil {
		custom = map[string]string{}
	}
	return map[string]any{
		"kind": "kv", "mount": mount.Path, "secret_path": secret,
		"current_version": meta.CurrentVersion, "oldest_version": meta.OldestVersion,
		"created_time": meta.CreatedTime.UTC().Format(time.RFC3339Nano),
		"updated_time": meta.UpdatedTime.UTC().Format(time.RFC3339Nano),
		"max_versions": meta.MaxVersions, "cas_required": meta.CASRequired,
		"delete_version_after": meta.DeleteVersionAfter.String(),
		"custom_metadata":      custom, "versions": versions,
	}, nil
}
