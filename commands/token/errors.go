package token

import (
	"errors"
	"net/http"

	"github.com/cofferhq/coffer/internal/apierror"
)

// Errors of token decisions, with Vault's status and message (Vault words
// each of them the same way, after the "token: " prefix).
var (
	ErrNotFound                = refusal(3001, "token not found")
	ErrParentNotFound          = refusal(3002, "parent token lookup failed: no parent found")
	ErrParentRevoked           = refusal(3003, "parent token was revoked while the token was being created")
	ErrRestrictedParent        = refusal(3004, "restricted use token cannot generate child tokens")
	ErrNotSubset               = refusal(3005, "child policies must be subset of parent")
	ErrRootParentRequired      = refusal(3006, "root tokens may not be created without parent token being root")
	ErrNonExpiringFromExpiring = refusal(3007, "expiring root tokens cannot create non-expiring root tokens")
	ErrSudoRequired            = refusal(3008, "root or sudo privileges required")
	ErrDuplicateID             = refusal(3009, "cannot create a token with a duplicate ID")
	ErrUnassignablePolicy      = refusal(3010, "cannot assign policy")
	ErrInvalid                 = refusal(3012, "invalid request")
	ErrNotRenewable            = refusal(3013, "lease is not renewable")
	ErrPastMaxTTL              = refusal(3014, "past the max TTL, cannot renew")
	ErrRootFromLogin           = refusal(3015, "auth methods cannot create root tokens")
	ErrRoleDisallowedPolicy    = refusal(3016, "token policy is disallowed by this role")
	ErrRoleNotSubset           = refusal(3017, "token policies must be subset of the role's allowed policies")
	ErrUnknownRole             = refusal(3018, "unknown role")
	ErrTooManyRounds           = errors.New("token: revocation kept finding new children")
)

func refusal(code int, msg string) *apierror.Error {
	return apierror.New(code, http.StatusBadRequest, "token", msg)
}
