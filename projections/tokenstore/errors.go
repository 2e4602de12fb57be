package tokenstore

import "errors"

var (
	// ErrNotFound reports a token (or accessor) with no live record.
	ErrNotFound = errors.New("tokenstore: token not found")
	// ErrSealed reports a read or hash attempted while the keyring is not
	// loaded.
	ErrSealed = errors.New("tokenstore: keyring sealed")
)
