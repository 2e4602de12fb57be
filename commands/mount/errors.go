package mount

import "errors"

// Sentinel reasons for a Refusal. Match them with errors.Is.
var (
	// ErrInvalidPath is a mount path that is empty or not clean.
	ErrInvalidPath = errors.New("mount: invalid path")
	// ErrReservedPath is a path under a built-in mount (sys/, auth/, ...).
	ErrReservedPath = errors.New("mount: reserved path")
	// ErrPathInUse is a path equal to, under, or above an existing mount.
	ErrPathInUse = errors.New("mount: path is already in use")
	// ErrInvalidType is a missing or unmountable engine type, or an
	// option the type does not accept.
	ErrInvalidType = errors.New("mount: invalid engine type")
	// ErrInvalidConfig is a lease TTL or option that cannot be applied.
	ErrInvalidConfig = errors.New("mount: invalid configuration")
	// ErrNotMounted is a tune of a path no mount holds.
	ErrNotMounted = errors.New("mount: no mount at path")
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
