package authkit

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinels shared by the auth methods. A refusal wraps one of them (or a
// package's own) so callers can branch with errors.Is.
var (
	// ErrInvalidRequest is malformed or missing input: 400.
	ErrInvalidRequest = errors.New("authkit: invalid request")
	// ErrInvalidCredentials is a wrong secret (password, secret ID): Vault
	// answers 400 for these, not 403.
	ErrInvalidCredentials = errors.New("authkit: invalid credentials")
	// ErrPermissionDenied is a refused login or a binding that does not
	// match: 403.
	ErrPermissionDenied = errors.New("authkit: permission denied")
	// ErrUnavailable is a dependency that could not be reached when Vault
	// would not hide it behind "permission denied".
	ErrUnavailable = errors.New("authkit: unavailable")
)

// Error is a refusal with the status and message Vault answers with.
type Error struct {
	// Status is the HTTP status.
	Status int
	// Message is Vault's wording, safe to show: it never holds a credential.
	Message string
	// Kind is the sentinel this refusal is an instance of.
	Kind error
	// Cause is why, for the operator's log; never shown to clients. It may
	// name hosts or claims but never a credential.
	Cause error
}

func (e *Error) Error() string { return e.Message }

// Unwrap lets errors.Is match both the sentinel and the cause.
func (e *Error) Unwrap() []error {
	out := make([]error, 0, 2)
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Cause != nil {
		out = append(out, e.Cause)
	}
	return out
}

// Refuse builds a refusal with a formatted Vault message.
func Refuse(status int, kind error, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...), Kind: kind}
}

// WithCause returns a copy of e that records cause for the log.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

// BadRequest is a 400 with Vault's message.
func BadRequest(format string, args ...any) *Error {
	return Refuse(http.StatusBadRequest, ErrInvalidRequest, format, args...)
}

// InvalidCredentials is Vault's 400 for a wrong secret.
func InvalidCredentials(msg string) *Error {
	return Refuse(http.StatusBadRequest, ErrInvalidCredentials, "%s", msg)
}

// PermissionDenied is Vault's bare 403 "permission denied", with the reason
// kept for the log only.
func PermissionDenied(cause error) *Error {
	return &Error{Status: http.StatusForbidden, Message: "permission denied", Kind: ErrPermissionDenied, Cause: cause}
}

// Forbidden is a 403 whose message Vault shows (e.g. "namespace not
// authorized").
func Forbidden(format string, args ...any) *Error {
	return Refuse(http.StatusForbidden, ErrPermissionDenied, format, args...)
}

// StatusOf returns the status and message of a refusal, or ok=false for any
// other error (an internal failure: 500, message not shown).
func StatusOf(err error) (status int, message string, ok bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Status, e.Message, true
	}
	return http.StatusInternalServerError, "", false
}
