package certs

import (
	"errors"
	"fmt"
)

// ErrRefused is matched by every *Refusal: a request refused because of
// what the caller sent (HTTP 400).
var ErrRefused = errors.New("pki: request refused")

// Refusal is a refused request. Its message is exactly Vault's, without a
// package prefix, because it is shown to the client.
type Refusal struct {
	msg string
	// kind is an optional sentinel a caller may match (ErrKeyMismatch).
	kind error
}

func (r *Refusal) Error() string { return r.msg }

// Is makes errors.Is(err, ErrRefused) true for every Refusal.
func (r *Refusal) Is(target error) bool { return target == ErrRefused }

// Unwrap exposes the refusal's kind, if it has one.
func (r *Refusal) Unwrap() error { return r.kind }

// Refusef builds a Refusal with Vault's message.
func Refusef(format string, args ...any) error {
	return &Refusal{msg: fmt.Sprintf(format, args...)}
}

// refuseAs is a Refusal that also matches the sentinel kind.
func refuseAs(kind error, format string, args ...any) error {
	return &Refusal{msg: fmt.Sprintf(format, args...), kind: kind}
}

// IsRefusal reports whether err is a refused request (400), as opposed to
// an internal failure (500).
func IsRefusal(err error) bool { return errors.Is(err, ErrRefused) }
