package databasestore

import "errors"

var (
	// ErrNotFound reports a configuration or role with no record.
	ErrNotFound = errors.New("databasestore: not found")
	// ErrCorruptRecord reports a record or payload that does not decode or
	// a sealed password that does not open.
	ErrCorruptRecord = errors.New("databasestore: corrupt record")
)
