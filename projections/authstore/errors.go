package authstore

import "errors"

var (
	// ErrNotFound reports an item with no record.
	ErrNotFound = errors.New("authstore: not found")
	// ErrCorruptRecord reports a record or payload that does not decode or
	// a sealed value that does not open.
	ErrCorruptRecord = errors.New("authstore: corrupt record")
)
