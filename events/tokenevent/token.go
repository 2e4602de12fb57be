package tokenevent

import (
	"slices"
	"time"
)

// TypeService is the only token type Coffer issues.
const TypeService = "service"

// Token is the read model of one live token. It never holds the raw token.
type Token struct {
	// Hash is the token's identity (see Hash); set on read, not stored.
	Hash string `json:"-"`
	// Version is the token aggregate's version this record reflects.
	Version uint64 `json:"version"`

	Accessor string `json:"accessor"`
	// Parent is the parent's hash; empty for orphans.
	Parent      string            `json:"parent,omitempty"`
	Policies    []string          `json:"policies"`
	Meta        map[string]string `json:"meta,omitempty"`
	DisplayName string            `json:"display_name"`
	// Path is the creation path ("auth/token/create").
	Path     string `json:"path"`
	EntityID string `json:"entity_id,omitempty"`
	Type     string `json:"type"`
	// NumUses is the number of uses left; 0 means unlimited.
	NumUses int `json:"num_uses"`

	// CreationTime is also the lease's issue time: renewals are capped
	// relative to it.
	CreationTime time.Time `json:"creation_time"`
	// CreationTTL is the TTL the token was created with; LeaseTTL is the
	// TTL of its latest creation or renewal (what a renewal without an
	// increment extends by).
	CreationTTL    time.Duration `json:"creation_ttl"`
	LeaseTTL       time.Duration `json:"lease_ttl"`
	ExplicitMaxTTL time.Duration `json:"explicit_max_ttl,omitempty"`
	Period         time.Duration `json:"period,omitempty"`
	Renewable      bool          `json:"renewable"`
	// ExpireTime is zero for tokens that never expire.
	ExpireTime  time.Time `json:"expire_time,omitzero"`
	LastRenewal time.Time `json:"last_renewal,omitzero"`
	// AncestorDeadline is the earliest deadline among the token's
	// ancestors (zero: none expire). A token dies with its parent.
	AncestorDeadline time.Time `json:"ancestor_deadline,omitzero"`
	// Login tokens only: see Created.
	BoundCIDRs    []string          `json:"bound_cidrs,omitempty"`
	MountAccessor string            `json:"mount_accessor,omitempty"`
	Alias         string            `json:"alias,omitempty"`
	InternalData  map[string]string `json:"internal_data,omitempty"`
}

// IsRoot reports whether the token carries the root policy.
func (t *Token) IsRoot() bool { return slices.Contains(t.Policies, "root") }

// Orphan reports whether the token has no parent.
func (t *Token) Orphan() bool { return t.Parent == "" }

// Deadline is when the token stops working: the earlier of its own expiry
// and its ancestors' deadline. Zero means never.
func (t *Token) Deadline() time.Time { return earliest(t.ExpireTime, t.AncestorDeadline) }

// Live reports whether the token may be used at now.
func (t *Token) Live(now time.Time) bool {
	d := t.Deadline()
	return d.IsZero() || now.Before(d)
}

// earliest returns the earlier of two times, treating zero as "never".
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	case b.Before(a):
		return b
	}
	return a
}
