package policy

import "errors"

// Sentinel reasons for a Refusal. Match them with errors.Is.
var (
	// ErrInvalidName is an empty or unusable policy name.
	ErrInvalidName = errors.New("policy: invalid name")
	// ErrImmutable is a write or delete of a built-in policy that does not
	// allow it ("root", "response-wrapping"; deleting "default").
	ErrImmutable = errors.New("policy: built-in policy cannot be changed")
	// ErrEmpty is a write without policy text.
	ErrEmpty = errors.New("policy: no policy text")
	// ErrMalformed is policy text that does not parse; the message carries
	// the line and column.
	ErrMalformed = errors.New("policy: malformed policy")
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
