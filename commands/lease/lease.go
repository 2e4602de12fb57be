package lease

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

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

var (
	// ErrNotFound reports an unknown lease id.
	ErrNotFound = errors.New("lease: not found")
	// ErrNotRenewable reports a lease that cannot be renewed.
	ErrNotRenewable = errors.New("lease: lease is not renewable")
	// ErrRevoked reports an operation on a lease that is already over.
	ErrRevoked = errors.New("lease: lease is revoked or expired")
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

func event(typ string, data any) ledger.Event { return ledger.NewEvent(typ, 1, data) }

// DecidePending records an issue in progress. cur is nil for a new id.
func DecidePending(cur *State, in PendingData) ([]ledger.Event, error) {
	if cur != nil {
		return nil, ErrExists
	}
	if !in.ExpireAt.After(in.IssuedAt) {
		return nil, fmt.Errorf("lease: expiry %s is not after issue time", in.ExpireAt)
	}
	return []ledger.Event{event(EventPending, in)}, nil
}

// DecideIssued completes an issue once the credential exists.
func DecideIssued(cur *State, in PendingData) ([]ledger.Event, error) {
	if cur == nil || cur.State != StatePending {
		return nil, fmt.Errorf("%w: issue of a lease that is not pending", ErrExists)
	}
	return []ledger.Event{event(EventIssued, in)}, nil
}

// Renewal computes a renewal as Vault does: the increment is a request,
// capped so the lease never outlives MaxExpireAt. It returns the new
// expiry and the TTL to report (which shrinks as the cap nears — the Go
// client's LifetimeWatcher depends on that).
func Renewal(cur *State, now time.Time, increment, defaultTTL time.Duration) (time.Time, time.Duration, error) {
	if cur == nil {
		return time.Time{}, 0, ErrNotFound
	}
	if cur.State != StateActive || !now.Before(cur.ExpireAt) {
		return time.Time{}, 0, ErrRevoked
	}
	if !cur.Renewable {
		return time.Time{}, 0, ErrNotRenewable
	}
	if increment <= 0 {
		increment = defaultTTL
	}
	expire := now.Add(increment)
	if !cur.MaxExpireAt.IsZero() && expire.After(cur.MaxExpireAt) {
		expire = cur.MaxExpireAt
	}
	return expire, expire.Sub(now).Truncate(time.Second), nil
}

// DecideRenew appends lease.renewed.
func DecideRenew(cur *State, now time.Time, increment, defaultTTL time.Duration) ([]ledger.Event, time.Duration, error) {
	expire, ttl, err := Renewal(cur, now, increment, defaultTTL)
	if err != nil {
		return nil, 0, err
	}
	return []ledger.Event{event(EventRenewed, RenewedData{ExpireAt: expire, RenewedAt: now})}, ttl, nil
}

// DecideExpire marks an active lease whose time has come as due for
// revocation. Anything else is a no-op.
func DecideExpire(cur *State, now time.Time) []ledger.Event {
	if cur == nil || cur.State != StateActive || now.Before(cur.ExpireAt) {
		return nil
	}
	return []ledger.Event{event(EventExpired, RevokedData{Reason: "expired", At: now})}
}

// DecideRevoked records a successful revocation (idempotent).
func DecideRevoked(cur *State, now time.Time, reason string) []ledger.Event {
	if cur == nil || !cur.Live() {
		return nil
	}
	return []ledger.Event{event(EventRevoked, RevokedData{Reason: reason, At: now})}
}

// DecideFailed records a failed revocation attempt.
func DecideFailed(cur *State, errText string) []ledger.Event {
	if cur == nil || !cur.Live() {
		return nil
	}
	return []ledger.Event{event(EventRevocationFailed, FailedData{Attempt: cur.Attempts + 1, Error: errText})}
}

// DecideForget records that revoke-force dropped a lease whose revocation
// kept failing: the credential may still exist, and the ledger says so.
func DecideForget(cur *State, now time.Time) []ledger.Event {
	if cur == nil || !cur.Live() {
		return nil
	}
	return []ledger.Event{event(EventForgotten, RevokedData{Reason: "forced", At: now})}
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
