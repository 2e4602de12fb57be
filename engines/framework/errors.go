package framework

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors an engine returns; the gateway maps them to Vault's
// status codes.
var (
	// ErrNotFound is a missing item: 404 with {"errors":[]}.
	ErrNotFound = errors.New("framework: not found")
	// ErrUnsupportedPath is a path no handler matches: 404 with a message.
	ErrUnsupportedPath = errors.New("unsupported path")
	// ErrUnsupportedOperation is a known path without that operation: 405.
	ErrUnsupportedOperation = errors.New("unsupported operation")
	// ErrPermissionDenied is 403.
	ErrPermissionDenied = errors.New("permission denied")
	// ErrInvalidRequest is 400.
	ErrInvalidRequest = errors.New("invalid request")
)

// CodedError carries an HTTP status and Vault-style messages.
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

// StatusOf maps an error to its HTTP status and the messages to show.
// Errors without a known status are 500 and show a generic message, so
// internal details (which may name paths or keys) never reach clients.
func StatusOf(err error) (int, []string) {
	var ce *CodedError
	switch {
	case errors.As(err, &ce):
		return ce.Status, ce.Messages
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, []string{}
	case errors.Is(err, ErrUnsupportedOperation):
		return http.StatusMethodNotAllowed, []string{err.Error()}
	case errors.Is(err, ErrUnsupportedPath):
		return http.StatusNotFound, []string{err.Error()}
	case errors.Is(err, ErrPermissionDenied):
		return http.StatusForbidden, []string{"permission denied"}
	case errors.Is(err, ErrInvalidRequest):
		return http.StatusBadRequest, []string{err.Error()}
	}
	return http.StatusInternalServerError, []string{"internal error"}
}
