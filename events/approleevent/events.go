package approleevent

import (
	"maps"
	"slices"
	"time"

	"github.com/cofferhq/coffer/ledger"
)

// Event types.
const (
	EventRoleWritten       = "approle.role_written"
	EventRoleDeleted       = "approle.role_deleted"
	EventSecretIDIssued    = "approle.secret_id_issued"
	EventSecretIDUsed      = "approle.secret_id_used"
	EventSecretIDDestroyed = "approle.secret_id_destroyed"
)

// Schema is the payload layout version of every AppRole event type.
const Schema = 1

// Aggregate kinds.
const (
	KindRole     = "approle.role"
	KindSecretID = "approle.secret_id"
)

// RoleAggregate names one role of one mount (by mount accessor).
func RoleAggregate(mount, name string) string { return mount + "/" + name }

// SecretIDAggregate names one secret ID of a role by its HMAC.
func SecretIDAggregate(mount, role, hmac string) string {
	return mount + "/" + role + "/" + hmac
}

// RoleWritten records a role after a create or update (its HMAC key
// included: the ledger encrypts it, the read model seals it).
type RoleWritten struct {
	Mount string `json:"mount"`
	Role  Role   `json:"role"`
}

// RoleDeleted records a role's deletion; its secret IDs go with it.
type RoleDeleted struct {
	Mount string `json:"mount"`
	Name  string `json:"name"`
}

// Event changes a secret ID's state. Payloads hold HMACs and accessors,
// never a secret ID.
type Event interface{ isEvent() }

// SecretIDIssued records a new secret ID.
type SecretIDIssued struct {
	Mount    string   `json:"mount"`
	Role     string   `json:"role"`
	SecretID SecretID `json:"secret_id"`
}

// SecretIDUsed records one use of a limited secret ID; Exhausted marks its
// last use, after which it is gone.
type SecretIDUsed struct {
	Mount     string    `json:"mount"`
	Role      string    `json:"role"`
	HMAC      string    `json:"secret_id_hmac"`
	At        time.Time `json:"at"`
	Exhausted bool      `json:"exhausted"`
}

// Reasons a secret ID is destroyed.
const (
	ReasonDestroyed = "destroyed"
	ReasonTidied    = "tidied"
	ReasonRole      = "role_deleted"
)

// SecretIDDestroyed records a secret ID removed by destroy, tidy or the
// deletion of its role.
type SecretIDDestroyed struct {
	Mount    string `json:"mount"`
	Role     string `json:"role"`
	HMAC     string `json:"secret_id_hmac"`
	Accessor string `json:"secret_id_accessor"`
	Reason   string `json:"reason"`
}

func (SecretIDIssued) isEvent()    {}
func (SecretIDUsed) isEvent()      {}
func (SecretIDDestroyed) isEvent() {}

// Type is the ledger event type of a secret ID event.
func Type(e Event) string {
	switch e.(type) {
	case SecretIDIssued:
		return EventSecretIDIssued
	case SecretIDUsed:
		return EventSecretIDUsed
	}
	return EventSecretIDDestroyed
}

// Apply folds an event into a secret ID's state; nil is "no such secret
// ID". It never changes its input.
func Apply(s *SecretID, e Event) *SecretID {
	switch e := e.(type) {
	case SecretIDIssued:
		c := e.SecretID
		c.Metadata = maps.Clone(c.Metadata)
		c.CIDRList = slices.Clone(c.CIDRList)
		c.TokenBoundCIDRs = slices.Clone(c.TokenBoundCIDRs)
		return &c
	case SecretIDUsed:
		if s == nil || e.Exhausted {
			return nil
		}
		c := *s
		if c.NumUses > 0 {
			c.NumUses--
		}
		c.LastUpdatedTime = e.At
		return &c
	case SecretIDDestroyed:
		return nil
	}
	return s
}

func init() {
	for typ, payload := range map[string]any{
		EventRoleWritten:       RoleWritten{},
		EventRoleDeleted:       RoleDeleted{},
		EventSecretIDIssued:    SecretIDIssued{},
		EventSecretIDUsed:      SecretIDUsed{},
		EventSecretIDDestroyed: SecretIDDestroyed{},
	} {
		ledger.RegisterEventType(typ, Schema, payload)
	}
}
