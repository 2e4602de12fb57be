package framework

import (
	"context"
	"errors"
	"time"

	"github.com/cofferhq/coffer/events/leaseevent"
)

// TokenStore is the core's token store, which the gateway and modules
// share: engines/token implements it.
type TokenStore interface {
	// Resolve returns the caller behind a raw token, or an error wrapping
	// ErrPermissionDenied.
	Resolve(ctx context.Context, raw string) (*Caller, error)
	// Use spends one use of a limited-use token.
	Use(ctx context.Context, caller *Caller) error
	// Login mints the token of a successful login: auth is what the auth
	// method's handler returned, req the login request (its mount, path
	// and remote address). It returns auth with the token fields filled.
	Login(ctx context.Context, req *Request, auth *Auth) (*Auth, error)
}

// Leases is the core's lease manager as modules use it.
type Leases interface {
	// Issue records a lease as pending, runs create (the side effect that
	// makes the credential), then records it issued: a crash between the
	// two leaves a pending lease that start-up rolls back.
	Issue(ctx context.Context, req LeaseRequest, create func(ctx context.Context, expire time.Time) error) (*leaseevent.State, error)
	// Register records the lease of a credential that already exists
	// (a handler's Secret without a lease id).
	Register(ctx context.Context, req LeaseRequest) (*leaseevent.State, error)
}

// LeaseRequest describes a lease about to be issued.
type LeaseRequest struct {
	// Engine is the module type whose Revoker revokes the lease.
	Engine        string
	MountAccessor string
	MountPath     string
	Path          string
	TokenAccessor string
	TTL           time.Duration
	MaxTTL        time.Duration
	Renewable     bool
	// RevokeData is whatever the Revoker needs to revoke later; it is
	// sealed in the lease record.
	RevokeData any
}

// Revoker is what a module provides so the leases its mounts issue can be
// renewed and revoked later, from the data recorded at issue time alone
// (the mount may be gone by then).
type Revoker interface {
	// Revoke removes the credential. It must be idempotent: a credential
	// that no longer exists counts as revoked.
	Revoke(ctx context.Context, st *leaseevent.State) error
	// Renew extends the credential's own expiry, if it has one.
	Renew(ctx context.Context, st *leaseevent.State, expire time.Time) error
}

// ErrNotCreated marks a create failure after which the credential
// certainly does not exist (the engine's statements ran in a transaction
// that rolled back, or never ran): Issue then closes the lease at once
// instead of handing a rollback to the reaper. Engines wrap their error
// with it.
var ErrNotCreated = errors.New("framework: credential was not created")
