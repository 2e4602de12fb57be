package tokenevent

import (
	"time"

	"github.com/cofferhq/coffer/ledger"
)

// Kind is the aggregate kind of token events; the aggregate id is the
// token's hash.
const Kind = "token"

// Event types. Every payload names tokens by hash and accessor only.
const (
	EventCreated  = "token.created"
	EventRenewed  = "token.renewed"
	EventUseSpent = "token.use_spent"
	EventRevoked  = "token.revoked"
	EventOrphaned = "token.orphaned"
)

// Schema is the layout version every token payload is written with.
const Schema = 1

// Created is the payload of token.created: everything the record holds.
// Durations are in seconds, times absolute.
type Created struct {
	Accessor       string            `json:"accessor"`
	Parent         string            `json:"parent,omitempty"`
	Policies       []string          `json:"policies"`
	Meta           map[string]string `json:"meta,omitempty"`
	DisplayName    string            `json:"display_name"`
	Path           string            `json:"path"`
	EntityID       string            `json:"entity_id,omitempty"`
	Type           string            `json:"type"`
	NumUses        int               `json:"num_uses,omitempty"`
	CreationTime   time.Time         `json:"creation_time"`
	TTL            int64             `json:"ttl"`
	ExplicitMaxTTL int64             `json:"explicit_max_ttl,omitempty"`
	Period         int64             `json:"period,omitempty"`
	Renewable      bool              `json:"renewable"`
	ExpireTime     time.Time         `json:"expire_time,omitzero"`
	// Set on tokens minted by a login: where the token may be used from,
	// the auth mount that minted it, the entity alias the login named and
	// the method's internal data (never shown). Absent from tokens made by
	// the token store, so older payloads read the same.
	BoundCIDRs    []string          `json:"bound_cidrs,omitempty"`
	MountAccessor string            `json:"mount_accessor,omitempty"`
	Alias         string            `json:"alias,omitempty"`
	InternalData  map[string]string `json:"internal_data,omitempty"`
}

// Renewed is the payload of token.renewed.
type Renewed struct {
	TTL        int64     `json:"ttl"`
	ExpireTime time.Time `json:"expire_time"`
	RenewedAt  time.Time `json:"renewed_at"`
}

// UseSpent is the payload of token.use_spent: one use of a limited-use
// token was spent; Remaining uses are left (the last use also revokes).
type UseSpent struct {
	Remaining int `json:"remaining"`
}

// Revocation reasons.
const (
	ReasonRevoked       = "revoked"        // revoke, revoke-self, revoke-accessor
	ReasonParentRevoked = "parent_revoked" // part of an ancestor's tree
	ReasonRevokeOrphan  = "revoke_orphan"  // revoked, children orphaned
	ReasonUsesExhausted = "uses_exhausted" // last use spent
	ReasonExpired       = "expired"        // tidied after its deadline
)

// Revoked is the payload of token.revoked. A cascade appends one event per
// token, children before parents, in one ledger message; the event of the
// token the command targeted also lists every accessor the cascade revoked,
// so a lease engine can revoke the leases of all of them.
type Revoked struct {
	Accessor string `json:"accessor"`
	Parent   string `json:"parent,omitempty"`
	Reason   string `json:"reason"`
	// Target is the hash of the token the command was aimed at.
	Target string `json:"target"`
	// Accessors is set on the target's event only.
	Accessors []string `json:"accessors,omitempty"`
}

// Orphaned is the payload of token.orphaned: the token's parent was
// revoked with revoke-orphan and the token lives on without one.
type Orphaned struct {
	FormerParent string `json:"former_parent"`
}

// Seconds converts a duration to whole seconds for payloads.
func Seconds(d time.Duration) int64 { return int64(d / time.Second) }

func init() {
	for typ, payload := range map[string]any{
		EventCreated:  Created{},
		EventRenewed:  Renewed{},
		EventUseSpent: UseSpent{},
		EventRevoked:  Revoked{},
		EventOrphaned: Orphaned{},
	} {
		ledger.RegisterEventType(typ, Schema, payload)
	}
}

// Token roles (auth/token/roles/:name) are aggregate KindRole with the
// role's name as id.
const (
	KindRole         = "token.role"
	EventRoleWritten = "token.role_written"
	EventRoleDeleted = "token.role_deleted"
)

// Role is a token role: what tokens created against it may and must be.
// Durations are in seconds.
type Role struct {
	Name                 string   `json:"name"`
	AllowedPolicies      []string `json:"allowed_policies,omitempty"`
	DisallowedPolicies   []string `json:"disallowed_policies,omitempty"`
	AllowedEntityAliases []string `json:"allowed_entity_aliases,omitempty"`
	Orphan               bool     `json:"orphan"`
	Renewable            bool     `json:"renewable"`
	PathSuffix           string   `json:"path_suffix,omitempty"`
	TTL                  int64    `json:"token_ttl,omitempty"`
	MaxTTL               int64    `json:"token_max_ttl,omitempty"`
	Period               int64    `json:"token_period,omitempty"`
	ExplicitMaxTTL       int64    `json:"token_explicit_max_ttl,omitempty"`
	NumUses              int      `json:"token_num_uses,omitempty"`
	BoundCIDRs           []string `json:"token_bound_cidrs,omitempty"`
	NoDefaultPolicy      bool     `json:"token_no_default_policy,omitempty"`
	Type                 string   `json:"token_type,omitempty"`
}

// RoleWritten records a token role after a create or update.
type RoleWritten struct {
	Role Role `json:"role"`
}

// RoleDeleted records a token role's deletion.
type RoleDeleted struct {
	Name string `json:"name"`
}

func init() {
	ledger.RegisterEventType(EventRoleWritten, Schema, RoleWritten{})
	ledger.RegisterEventType(EventRoleDeleted, Schema, RoleDeleted{})
}
