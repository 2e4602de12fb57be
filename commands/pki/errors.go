package pki

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cofferhq/coffer/internal/apierror"
)

var (
	// ErrInvalid is wrapped by every InvalidError: input a client must
	// fix, answered with 400 and Vault's words.
	ErrInvalid = apierror.New(7001, http.StatusBadRequest, "pki", "invalid request")
	// ErrNotFound is wrapped by NotFoundError: a named issuer, key or
	// certificate the mount does not hold.
	ErrNotFound = apierror.New(7002, http.StatusNotFound, "pki", "not found")
	// ErrSerialInUse: a certificate with the serial is already recorded
	// (159 random bits: a bug or a replay, never chance).
	ErrSerialInUse = errors.New("pki: serial number already recorded")
	// ErrErased: a key's data key is gone, so its private key is too.
	ErrErased = errors.New("pki: private key has been erased")
)

// InvalidError is a client error whose message is meant for the client.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return "pki: " + e.Msg }

func (e *InvalidError) Unwrap() error { return ErrInvalid }

// Invalid returns an InvalidError with a formatted message.
func Invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// NotFoundError names what was not found, in Vault's words.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return "pki: " + e.Msg }

func (e *NotFoundError) Unwrap() error { return ErrNotFound }

func notFound(format string, args ...any) error {
	return &NotFoundError{Msg: fmt.Sprintf(format, args...)}
}
