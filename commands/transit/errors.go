package transit

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cofferhq/coffer/internal/apierror"
)

var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("transit: key not found")
	// ErrKeyExists: a create found the key already there (Vault answers
	// with the existing key and a warning).
	ErrKeyExists = errors.New("transit: key already exists")
	// ErrInvalid is wrapped by every InvalidError: input a client must fix.
	ErrInvalid = apierror.New(5001, http.StatusBadRequest, "transit", "invalid request")
	// ErrDeletionNotAllowed: delete without deletion_allowed.
	ErrDeletionNotAllowed = errors.New("transit: deletion is not allowed for this key")
	// ErrErased: the key's data key is gone, so its material is too.
	ErrErased = errors.New("transit: key material has been erased")
	// ErrStale: a decision was handed material for another state of the
	// key than the one it loaded (a concurrent rotation); Runner retries.
	ErrStale = errors.New("transit: key changed while the command was prepared")
)

// InvalidError is a client error whose message is meant for the client, in
// Vault's words.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return "transit: " + e.Msg }

func (e *InvalidError) Unwrap() error { return ErrInvalid }

func invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}
