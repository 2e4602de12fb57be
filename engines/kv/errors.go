package kv

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	kvcmd "github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// vaultErrors maps command errors to the messages Vault answers with.
var vaultErrors = []struct {
	err error
	msg string
}{
	{kvcmd.ErrCASMismatch, "check-and-set parameter did not match the current version"},
	{kvcmd.ErrCASRequired, "check-and-set parameter required for this call"},
	{kvcmd.ErrMissingPath, "missing path"},
	{kvcmd.ErrNotAnObject, "data must be a JSON object"},
}

// toFrameworkError turns command and read-model errors into the errors the
// gateway renders as Vault does. Anything else stays a 500.
func toFrameworkError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, kvcmd.ErrNotFound) || errors.Is(err, kvstore.ErrNotFound) {
		return framework.ErrNotFound
	}
	var cm *kvcmd.CustomMetadataError
	if errors.As(err, &cm) {
		return framework.BadRequest("custom_metadata validation failed: %s", strings.Join(cm.Problems, "; "))
	}
	for _, e := range vaultErrors {
		if errors.Is(err, e.err) {
			return framework.BadRequest("%s", e.msg)
		}
	}
	return err
}

// requireMergePatch refuses a PATCH whose body is not a JSON merge patch,
// as Vault's HTTP layer does.
func requireMergePatch(req *framework.Request) error {
	ct, _, _ := mime.ParseMediaType(req.ContentType)
	if ct != "application/merge-patch+json" {
		return framework.Errorf(http.StatusUnsupportedMediaType, "PATCH requires Content-Type of application/merge-patch+json, provided %s", req.ContentType)
	}
	return nil
}
