package approle

import (
	"net/http"

	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/authstore"
)

func (b *backend) tidyPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern:    "tidy/secret-id$",
		Fields:     map[string]*framework.FieldSchema{},
		Synopsis:   "Trigger the clean-up of expired SecretID entries.",
		Operations: authpath.Ops{framework.UpdateOperation: authpath.Wrap(b.tidy)},
	}}
}

// tidy destroys every expired secret ID of the mount, role by role. It
// runs before answering (Vault answers 202 and tidies in the background);
// the answer keeps Vault's 202 and warning.
func (b *backend) tidy(req *framework.Request) (*framework.Response, error) {
	roles, err := authstore.ListAppRoles(b.m.deps.Store, b.mount)
	if err != nil {
		return nil, err
	}
	now := b.m.now()
	for _, name := range roles {
		if _, err := b.runner.Tidy(req.Context(), name, func(r *Role, all []*SecretID) []Event {
			return DecideTidy(r, all, now)
		}); err != nil {
			return nil, err
		}
	}
	return &framework.Response{StatusCode: http.StatusAccepted, Warnings: []string{"Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."}}, nil
}
