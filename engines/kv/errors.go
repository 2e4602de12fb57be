package kv

import (
	"mime"
	"net/http"

	"github.com/cofferhq/coffer/engines/framework"
)

// requireMergePatch refuses a PATCH whose body is not a JSON merge patch,
// as Vault's HTTP layer does.
func requireMergePatch(req *framework.Request) error {
	ct, _, _ := mime.ParseMediaType(req.ContentType)
	if ct != "application/merge-patch+json" {
		return framework.Errorf(http.StatusUnsupportedMediaType, "PATCH requires Content-Type of application/merge-patch+json, provided %s", req.ContentType)
	}
	return nil
}
