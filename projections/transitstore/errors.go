package transitstore

import "errors"

var (
	// ErrNotFound reports a key with no record.
	ErrNotFound = errors.New("transitstore: key not found")
	// ErrCorruptRecord reports a record or payload that does not decode.
	ErrCorruptRecord = errors.New("transitstore: corrupt record")
	// ErrInconsistent reports a key whose records kept changing while they
	// were read; the caller may retry.
	ErrInconsistent = errors.New("transitstore: key changed while it was read")
)
