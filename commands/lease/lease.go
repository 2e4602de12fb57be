package lease

import (
	"fmt"
	"time"

	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/ledger"
)

func event(typ string, data any) ledger.Event { return ledger.MakeEvent(typ, data) }

// DecidePending records an issue in progress. cur is nil for a new id.
func DecidePending(cur *leaseevent.State, in leaseevent.PendingData) ([]ledger.Event, error) {
	if cur != nil {
		return nil, leaseevent.ErrExists
	}
	if !in.ExpireAt.After(in.IssuedAt) {
		return nil, fmt.Errorf("lease: expiry %s is not after issue time", in.ExpireAt)
	}
	return []ledger.Event{event(leaseevent.EventPending, in)}, nil
}

// DecideRegistered records the lease of a credential that already exists
// (no pending step: nothing to roll back). cur is nil for a new id.
func DecideRegistered(cur *leaseevent.State, in leaseevent.PendingData) ([]ledger.Event, error) {
	if cur != nil {
		return nil, leaseevent.ErrExists
	}
	if !in.ExpireAt.After(in.IssuedAt) {
		return nil, fmt.Errorf("lease: expiry %s is not after issue time", in.ExpireAt)
	}
	return []ledger.Event{event(leaseevent.EventIssued, in)}, nil
}

// DecideIssued completes an issue once the credential exists.
func DecideIssued(cur *leaseevent.State, in leaseevent.PendingData) ([]ledger.Event, error) {
	if cur == nil || cur.State != leaseevent.StatePending {
		return nil, fmt.Errorf("%w: issue of a lease that is not pending", leaseevent.ErrExists)
	}
	return []ledger.Event{event(leaseevent.EventIssued, in)}, nil
}

// Renewal computes a renewal as Vault does: the increment is a request,
// capped so the lease never outlives MaxExpireAt. It returns the new
// expiry and the TTL to report (which shrinks as the cap nears — the Go
// client's LifetimeWatcher depends on that).
func Renewal(cur *leaseevent.State, now time.Time, increment, defaultTTL time.Duration) (time.Time, time.Duration, error) {
	if cur == nil {
		return time.Time{}, 0, leaseevent.ErrNotFound
	}
	if cur.State != leaseevent.StateActive || !now.Before(cur.ExpireAt) {
		return time.Time{}, 0, leaseevent.ErrRevoked
	}
	if !cur.Renewable {
		return time.Time{}, 0, leaseevent.ErrNotRenewable
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
func DecideRenew(cur *leaseevent.State, now time.Time, increment, defaultTTL time.Duration) ([]ledger.Event, time.Duration, error) {
	expire, ttl, err := Renewal(cur, now, increment, defaultTTL)
	if err != nil {
		return nil, 0, err
	}
	return []ledger.Event{event(leaseevent.EventRenewed, leaseevent.RenewedData{ExpireAt: expire, RenewedAt: now})}, ttl, nil
}

// DecideExpire marks an active lease whose time has come as due for
// revocation. Anything else is a no-op.
func DecideExpire(cur *leaseevent.State, now time.Time) []ledger.Event {
	if cur == nil || cur.State != leaseevent.StateActive || now.Before(cur.ExpireAt) {
		return nil
	}
	return []ledger.Event{event(leaseevent.EventExpired, leaseevent.RevokedData{Reason: "expired", At: now})}
}

// DecideRevoked records a successful revocation (idempotent).
func DecideRevoked(cur *leaseevent.State, now time.Time, reason string) []ledger.Event {
	if cur == nil || !cur.Live() {
		return nil
	}
	return []ledger.Event{event(leaseevent.EventRevoked, leaseevent.RevokedData{Reason: reason, At: now})}
}

// DecideFailed records a failed revocation attempt.
func DecideFailed(cur *leaseevent.State, errText string) []ledger.Event {
	if cur == nil || !cur.Live() {
		return nil
	}
	return []ledger.Event{event(leaseevent.EventRevocationFailed, leaseevent.FailedData{Attempt: cur.Attempts + 1, Error: errText})}
}

// DecideForget records that revoke-force dropped a lease whose revocation
// kept failing: the credential may still exist, and the ledger says so.
func DecideForget(cur *leaseevent.State, now time.Time) []ledger.Event {
	if cur == nil || !cur.Live() {
		return nil
	}
	return []ledger.Event{event(leaseevent.EventForgotten, leaseevent.RevokedData{Reason: "forced", At: now})}
}
