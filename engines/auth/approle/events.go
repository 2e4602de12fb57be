package approle

import (
	"maps"
	"slices"
	"time"
)

// Event changes a secret ID's state. Payloads hold HMACs and accessors,
// never a secret ID.
type Event interface{ isEvent() }

// SecretIDIssued records a new secret ID.
type SecretIDIssued struct {
	Role     string   `json:"role"`
	SecretID SecretID `json:"secret_id"`
}

// SecretIDUsed records one use of a limited secret ID; Exhausted marks its
// last use, after which it is gone.
type SecretIDUsed struct {
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
	Role     string `json:"role"`
	HMAC     string `json:"secret_id_hmac"`
	Accessor string `json:"secret_id_accessor"`
	Reason   string `json:"reason"`
}

func (SecretIDIssued) isEvent()    {}
func (SecretIDUsed) isEvent()      {}
func (SecretIDDestroyed) isEvent() {}

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
