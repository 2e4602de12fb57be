package pkistore

import "errors"

var (
	// ErrNotFound reports a role or certificate with no record.
	ErrNotFound = errors.New("pkistore: not found")
	// ErrCorruptRecord reports a record or payload that does not decode.
	ErrCorruptRecord = errors.New("pkistore: corrupt record")
)
