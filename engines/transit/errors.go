package transit

import (
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/engines/framework"
)

// userError is a failure caused by the request (bad input, wrong version,
// tampered ciphertext). Its message is Vault's and goes to the client: it
// never holds key material or plaintext.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

func userErrorf(format string, args ...any) error {
	return &userError{msg: fmt.Sprintf(format, args...)}
}

func isUserError(err error) bool {
	var ue *userError
	return errors.As(err, &ue)
}

// errMissingContext is Vault's message for a derived key used without a
// context.
const errMissingContext = "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key"

// errTooOld is Vault's message for a ciphertext, signature or HMAC below
// min_decryption_version.
const errTooOld = "ciphertext or signature version is disallowed by policy (too old)"

// asResponseError turns an operation error into what the gateway renders:
// user errors are 400 with their message, anything else a 500 whose
// details stay in the server.
func asResponseError(err error) error {
	if isUserError(err) {
		return framework.BadRequest("%s", err.Error())
	}
	return err
}

// itemError is the message a batch item reports for err.
func itemError(err error) string {
	if isUserError(err) {
		return err.Error()
	}
	return "internal error"
}
