package cubbyhole

import (
	"errors"
	"net/http"

	"github.com/cofferhq/coffer/internal/apierror"
)

// Errors a client may see, with Vault's wording.
var (
	ErrInvalidWrappingToken = apierror.NewFixed(3101, http.StatusBadRequest, "cubbyhole", "wrapping token is not valid or does not exist")
	ErrBatchToken           = apierror.New(3102, http.StatusBadRequest, "cubbyhole", "batch tokens do not have a cubbyhole")
	ErrNotFound             = apierror.NewQuiet(3103, http.StatusNotFound, "cubbyhole", "not found")
	// ErrCorrupt reports an entry that does not open under its key.
	ErrCorrupt = errors.New("cubbyhole: corrupt entry")
)
