package leaseevent

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cofferhq/coffer/internal/apierror"
	"github.com/cofferhq/coffer/ledger"
)

// Kind is the aggregate kind of leases.
const Kind = "lease"

// Event types.
const (
	EventPending          = "lease.pending"
	EventIssued           = "lease.issued"
	EventRenewed          = "lease.renewed"
	EventExpired          = "lease.expired"
	EventRevocationFailed = "lease.revocation_failed"
	EventRevoked          = "lease.revoked"
	EventForgotten        = "lease.forgotten"
)

// States a lease moves through.
const (
	StatePending   = "pending"
	StateActive    = "active"
	StateExpired   = "expired" // due for revocation, not yet revoked
	StateRevoking  = "revoking"
	StateRevoked   = "revoked"
	StateForgotten = "forgotten"
)

// Errors of the lease rules, with the status and message Vault answers a
// renewal or lookup with.
var (
	// ErrNotFound reports an unknown lease id.
	ErrNotFound = apierror.NewFixed(4001, http.StatusBadRequest, "lease", "invalid lease")
	// ErrNotRenewable reports a lease that cannot be renewed.
	ErrNotRenewable = apierror.NewFixed(4002, http.StatusBadRequest, "lease", "lease is not renewable")
	// ErrRevoked reports an operation on a lease that is already over.
	ErrRevoked = apierror.NewFixed(4003, http.StatusBadRequest, "lease", "lease not found or lease is not renewable")
	// ErrExists reports a second issue of the same lease id.
	ErrExists = errors.New("lease: lease already exists")
)

// State is a lease as the projections hold it.
type State struct {
	ID            string    `json:"id"`
	Engine        string    `json:"engine"`
	MountAccessor string    `json:"mount_accessor"`
	MountPath     string    `json:"mount_path"`
	Path          string    `json:"path"`
	TokenAccessor string    `json:"token_accessor,omitempty"`
	State         string    `json:"state"`
	IssuedAt      time.Time `json:"issued_at"`
	ExpireAt      time.Time `json:"expire_at"`
	// MaxExpireAt caps renewals: issue time + the smaller of the role's
	// and the mount's max TTL.
	MaxExpireAt time.Time `json:"max_expire_at"`
	LastRenewal time.Time `json:"last_renewal,omitempty"`
	// TTL is the lease's initial duration, the default increment of a
	// renewal that asks for none.
	TTL       time.Duration `json:"ttl"`
	Renewable bool          `json:"renewable"`
	Attempts  int           `json:"attempts,omitempty"`
	LastError string        `json:"last_error,omitempty"`
	RevokedAt time.Time     `json:"revoked_at,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	// RevokeData is the engine's own record of how to revoke (sealed at
	// rest by the projection).
	RevokeData json.RawMessage `json:"revoke_data,omitempty"`
	// Version is the aggregate version the state reflects.
	Version uint64 `json:"-"`
}

// Live reports whether the lease still grants something.
func (s *State) Live() bool {
	return s.State == StatePending || s.State == StateActive || s.State == StateExpired || s.State == StateRevoking
}

// PendingData is the payload of lease.pending and lease.issued.
type PendingData struct {
	ID            string          `json:"id"`
	Engine        string          `json:"engine"`
	MountAccessor string          `json:"mount_accessor"`
	MountPath     string          `json:"mount_path"`
	Path          string          `json:"path"`
	TokenAccessor string          `json:"token_accessor,omitempty"`
	IssuedAt      time.Time       `json:"issued_at"`
	ExpireAt      time.Time       `json:"expire_at"`
	MaxExpireAt   time.Time       `json:"max_expire_at"`
	TTL           time.Duration   `json:"ttl"`
	Renewable     bool            `json:"renewable"`
	RevokeData    json.RawMessage `json:"revoke_data,omitempty"`
}

// RenewedData is the payload of lease.renewed.
type RenewedData struct {
	ExpireAt  time.Time `json:"expire_at"`
	RenewedAt time.Time `json:"renewed_at"`
}

// FailedData is the payload of lease.revocation_failed.
type FailedData struct {
	Attempt int    `json:"attempt"`
	Error   string `json:"error"`
}

// RevokedData is the payload of lease.revoked and lease.forgotten.
type RevokedData struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Schema is the payload layout version every lease event type is written
// with.
const Schema = 1

func init() {
	for typ, payload := range map[string]any{
		EventPending:          PendingData{},
		EventIssued:           PendingData{},
		EventRenewed:          RenewedData{},
		EventExpired:          RevokedData{},
		EventRevocationFailed: FailedData{},
		EventRevoked:          RevokedData{},
		EventForgotten:        RevokedData{},
	} {
		ledger.RegisterEventType(typ, Schema, payload)
	}
}

// Apply folds one event into a state (used by the projection and by tests).
func Apply(cur *State, typ string, data []byte) (*State, error) {
	switch typ {
	case EventPending, EventIssued:
		var d PendingData
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, err
		}
		st := StatePending
		if typ == EventIssued {
			st = StateActive
		}
		return &State{ID: d.ID, Engine: d.Engine, MountAccessor: d.MountAccessor, MountPath: d.MountPath, Path: d.Path,
			TokenAccessor: d.TokenAccessor, State: st, IssuedAt: d.IssuedAt, ExpireAt: d.ExpireAt, MaxExpireAt: d.MaxExpireAt,
			TTL: d.TTL, Renewable: d.Renewable, RevokeData: d.RevokeData}, nil
	}
	if cur == nil {
		return nil, fmt.Errorf("%w: %s before issue", ErrNotFound, typ)
	}
	next := *cur
	switch typ {
	case EventRenewed:
		var d RenewedData
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, err
		}
		next.ExpireAt, next.LastRenewal = d.ExpireAt, d.RenewedAt
	case EventExpired:
		next.State = StateExpired
	case EventRevocationFailed:
		var d FailedData
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, err
		}
		next.Attempts, next.LastError = d.Attempt, d.Error
		if next.State == StateActive || next.State == StatePending {
			next.State = StateRevoking
		}
	case EventRevoked, EventForgotten:
		var d RevokedData
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, err
		}
		next.State, next.RevokedAt, next.Reason = StateRevoked, d.At, d.Reason
		if typ == EventForgotten {
			next.State = StateForgotten
		}
	default:
		return nil, fmt.Errorf("lease: unknown event %s", typ)
	}
	return &next, nil
}
