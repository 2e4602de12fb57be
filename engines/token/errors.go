package token

import (
	"errors"
	"net/http"

	"github.com/cofferhq/coffer/engines/framework"
)

// ErrRootIDInUse reports an EnsureRoot id that already names a token
// without the root policy.
var ErrRootIDInUse = errors.New("token: root token id is in use by a non-root token")

func badToken() error { return framework.Errorf(http.StatusForbidden, "bad token") }
