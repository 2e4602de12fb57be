package database

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cofferhq/coffer/internal/apierror"
)

var (
	// ErrInvalid is wrapped by every InvalidError: input a client must fix.
	ErrInvalid = apierror.New(6001, http.StatusBadRequest, "database", "invalid request")
	// ErrNotFound: the configuration or role does not exist.
	ErrNotFound = errors.New("database: not found")
	// ErrRotationPending: a root rotation is already recorded as in flight.
	ErrRotationPending = apierror.New(6002, http.StatusConflict, "database", "a root credential rotation is in progress")
	// ErrNoRotationPending: a rotation was completed or abandoned that was
	// never started (or was already finished).
	ErrNoRotationPending = errors.New("database: no root credential rotation is in progress")
)

// InvalidError is a client error whose message is meant for the client, in
// Vault's words where Vault has words for it.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return "database: " + e.Msg }

func (e *InvalidError) Unwrap() error { return ErrInvalid }

func invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}
