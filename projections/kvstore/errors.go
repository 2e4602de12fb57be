package kvstore

import (
	"errors"
	"net/http"

	"github.com/cofferhq/coffer/internal/apierror"
)

var (
	// ErrNotFound reports a secret, version or config with no record: 404
	// with no message, as Vault answers a missing secret.
	ErrNotFound = apierror.NewQuiet(2100, http.StatusNotFound, "kvstore", "not found")
	// ErrErased reports a version whose data key was destroyed: its value
	// is gone for good.
	ErrErased = errors.New("kvstore: version data erased")
	// ErrCorruptRecord reports a record that does not decode.
	ErrCorruptRecord = errors.New("kvstore: corrupt record")
)
