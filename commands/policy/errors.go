package policy

import (
	"net/http"

	"github.com/cofferhq/coffer/internal/apierror"
)

// Reasons for a Refusal, each a 400 (match them with errors.Is). The
// client sees the Refusal's own message, worded as Vault words it.
var (
	// ErrInvalidName is an empty or unusable policy name.
	ErrInvalidName = apierror.New(1201, http.StatusBadRequest, "policy", "invalid name")
	// ErrImmutable is a write or delete of a built-in policy that does not
	// allow it ("root", "response-wrapping"; deleting "default").
	ErrImmutable = apierror.New(1202, http.StatusBadRequest, "policy", "built-in policy cannot be changed")
	// ErrEmpty is a write without policy text.
	ErrEmpty = apierror.New(1203, http.StatusBadRequest, "policy", "no policy text")
	// ErrMalformed is policy text that does not parse; the message carries
	// the line and column.
	ErrMalformed = apierror.New(1204, http.StatusBadRequest, "policy", "malformed policy")
)

// Refusal is a command refused for a reason the client may see. Message
// is worded as Vault words it; Reason is one of the sentinel errors above.
type Refusal struct {
	Reason  error
	Message string
}

func (r *Refusal) Error() string { return "policy: " + r.Message }

// Unwrap lets errors.Is match the reason.
func (r *Refusal) Unwrap() error { return r.Reason }

func refuse(reason error, message string) error {
	return &Refusal{Reason: reason, Message: message}
}
