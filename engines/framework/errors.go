package framework

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cofferhq/coffer/internal/apierror"
)

// Errors of the request cycle itself. Domain errors are declared where
// they are raised, with internal/apierror; StatusOf renders both.
var (
	// ErrNotFound is a missing item: 404 with {"errors":[]}.
	ErrNotFound = apierror.NewQuiet(1001, http.StatusNotFound, "framework", "not found")
	// ErrUnsupportedPath is a path no handler matches: 404 with a message.
	ErrUnsupportedPath = apierror.New(1002, http.StatusNotFound, "framework", "unsupported path")
	// ErrUnsupportedOperation is a known path without that operation: 405.
	ErrUnsupportedOperation = apierror.New(1003, http.StatusMethodNotAllowed, "framework", "unsupported operation")
	// ErrPermissionDenied is 403, whatever the reason it wraps.
	ErrPermissionDenied = apierror.NewFixed(1004, http.StatusForbidden, "framework", "permission denied")
	// ErrInvalidRequest is 400.
	ErrInvalidRequest = apierror.New(1005, http.StatusBadRequest, "framework", "invalid request")
)

// ErrHandlerPanic wraps a handler's panic: a programming error, answered
// with a 500 that names nothing.
var ErrHandlerPanic = errors.New("framework: handler panicked")

// CodedError is a refusal a handler words itself, with an HTTP status and
// Vault-style messages (Vault's logical.ErrorResponse and CodedError).
type CodedError struct {
	Status   int
	Messages []string
	wrapped  error
}

func (e *CodedError) Error() string {
	if len(e.Messages) == 0 {
		return http.StatusText(e.Status)
	}
	return e.Messages[0]
}

func (e *CodedError) Unwrap() error { return e.wrapped }

// BadRequest is a 400 with a formatted message.
func BadRequest(format string, args ...any) error {
	return &CodedError{Status: http.StatusBadRequest, Messages: []string{fmt.Sprintf(format, args...)}, wrapped: ErrInvalidRequest}
}

// Errorf is an error with an explicit status.
func Errorf(status int, format string, args ...any) error {
	return &CodedError{Status: status, Messages: []string{fmt.Sprintf(format, args...)}}
}

// StatusOf maps an error to its HTTP status and the messages to show: a
// CodedError as it says, a declared error (internal/apierror) with its
// status and message. Anything else is a 500 with a generic message, so
// internal details (which may name paths or keys) never reach clients.
func StatusOf(err error) (int, []string) {
	var ce *CodedError
	if errors.As(err, &ce) {
		return ce.Status, ce.Messages
	}
	if e, msgs, ok := apierror.Public(err); ok {
		return e.Status, msgs
	}
	return http.StatusInternalServerError, []string{"internal error"}
}
