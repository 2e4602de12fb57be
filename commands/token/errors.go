package token

import "errors"

// Sentinel errors. Their messages after the "token: " prefix are Vault's,
// so the engine can show them as Vault would.
var (
	ErrNotFound                = errors.New("token: token not found")
	ErrParentNotFound          = errors.New("token: parent token lookup failed: no parent found")
	ErrParentRevoked           = errors.New("token: parent token was revoked while the token was being created")
	ErrRestrictedParent        = errors.New("token: restricted use token cannot generate child tokens")
	ErrNotSubset               = errors.New("token: child policies must be subset of parent")
	ErrRootParentRequired      = errors.New("token: root tokens may not be created without parent token being root")
	ErrNonExpiringFromExpiring = errors.New("token: expiring root tokens cannot create non-expiring root tokens")
	ErrSudoRequired            = errors.New("token: root or sudo privileges required")
	ErrDuplicateID             = errors.New("token: cannot create a token with a duplicate ID")
	ErrUnassignablePolicy      = errors.New("token: cannot assign policy")
	ErrBatchUnsupported        = errors.New("token: batch tokens are not supported")
	ErrInvalid                 = errors.New("token: invalid request")
	ErrNotRenewable            = errors.New("token: lease is not renewable")
	ErrPastMaxTTL              = errors.New("token: past the max TTL, cannot renew")
	ErrTooManyRounds           = errors.New("token: revocation kept finding new children")
)
