package kvstore

import "errors"

var (
	// ErrNotFound reports a secret, version or config with no record.
	ErrNotFound = errors.New("kvstore: not found")
	// ErrErased reports a version whose data key was destroyed: its value
	// is gone for good.
	ErrErased = errors.New("kvstore: version data erased")
	// ErrCorruptRecord reports a record that does not decode.
	ErrCorruptRecord = errors.New("kvstore: corrupt record")
)
