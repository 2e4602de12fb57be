package token

import (
	"errors"
	"net/http"
	"strings"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
)

// ErrRootIDInUse reports an EnsureRoot id that already names a token
// without the root policy.
var ErrRootIDInUse = errors.New("token: root token id is in use by a non-root token")

// clientErrors are the decide errors a client caused; they become 400s
// with Vault's message.
var clientErrors = []error{
	tokencmd.ErrParentNotFound, tokencmd.ErrParentRevoked, tokencmd.ErrRestrictedParent,
	tokencmd.ErrNotSubset, tokencmd.ErrRootParentRequired, tokencmd.ErrNonExpiringFromExpiring,
	tokencmd.ErrSudoRequired, tokencmd.ErrDuplicateID, tokencmd.ErrUnassignablePolicy,
	tokencmd.ErrBatchUnsupported, tokencmd.ErrInvalid, tokencmd.ErrNotRenewable,
	tokencmd.ErrPastMaxTTL, tokencmd.ErrNotFound,
}

// httpError maps a command error to the status Vault gives it. Other
// errors stay as they are (500, generic message).
func httpError(err error) error {
	for _, ce := range clientErrors {
		if errors.Is(err, ce) {
			return framework.BadRequest("%s", strings.TrimPrefix(err.Error(), "token: "))
		}
	}
	return err
}

func badToken() error { return framework.Errorf(http.StatusForbidden, "bad token") }
