package mount

import (
	"net/http"

	"github.com/cofferhq/coffer/internal/apierror"
)

// Reasons for a Refusal, each a 400 (match them with errors.Is). The
// client sees the Refusal's own message, worded as Vault words it.
var (
	// ErrInvalidPath is a mount path that is empty or not clean.
	ErrInvalidPath = apierror.New(1101, http.StatusBadRequest, "mount", "invalid path")
	// ErrReservedPath is a path under a built-in mount (sys/, auth/, ...).
	ErrReservedPath = apierror.New(1102, http.StatusBadRequest, "mount", "reserved path")
	// ErrPathInUse is a path equal to, under, or above an existing mount.
	ErrPathInUse = apierror.New(1103, http.StatusBadRequest, "mount", "path is already in use")
	// ErrInvalidType is a missing or unmountable engine type, or an
	// option the type does not accept.
	ErrInvalidType = apierror.New(1104, http.StatusBadRequest, "mount", "invalid engine type")
	// ErrInvalidConfig is a lease TTL or option that cannot be applied.
	ErrInvalidConfig = apierror.New(1105, http.StatusBadRequest, "mount", "invalid configuration")
	// ErrAuthPathInUse is an auth method path nested with another's (409,
	// as Vault answers it).
	ErrAuthPathInUse = apierror.New(1107, http.StatusConflict, "mount", "auth path is already in use")
	// ErrNotMounted is a tune of a path no mount holds.
	ErrNotMounted = apierror.New(1106, http.StatusBadRequest, "mount", "no mount at path")
)

// Refusal is a command refused for a reason the client may see. Message
// is worded as Vault words it, so clients that match on Vault's messages
// keep working; Reason is one of the sentinel errors above.
type Refusal struct {
	Reason  error
	Message string
}

func (r *Refusal) Error() string { return "mount: " + r.Message }

// Unwrap lets errors.Is match the reason.
func (r *Refusal) Unwrap() error { return r.Reason }

func refuse(reason error, message string) error {
	return &Refusal{Reason: reason, Message: message}
}
