package kubernetes

import (
	"errors"
	"net/http"

	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/framework"
)

func (b *backend) loginPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern: "login",
		Fields: map[string]*framework.FieldSchema{
			"role": {Type: framework.TypeString, Description: "Name of the role against which the login is being attempted. This field is required"},
			"jwt":  {Type: framework.TypeString, Description: "A signed JWT for authenticating a service account. This field is required."},
		},
		Unauthenticated: true,
		Synopsis:        "Authenticates Kubernetes service accounts with Vault.",
		Operations:      authpath.Ops{framework.UpdateOperation: authpath.Wrap(b.login)},
	}}
}

// login reviews the service account's JWT under the failed-login limiter;
// an apiserver that cannot be asked does not count against the client.
func (b *backend) login(req *framework.Request) (*framework.Response, error) {
	lr, err := ParseLoginRequest(authpath.Fields(req), req.RemoteAddr)
	if err != nil {
		return nil, err
	}
	name := RoleKey(lr.Role)
	st, err := b.runner.LoadRole(name)
	if err != nil {
		return nil, err
	}
	if b.limiterErr != nil {
		return nil, b.limiterErr
	}
	attempt, refusal := b.limiter.Begin(authpath.Source(req), b.mount, name, st.Role != nil)
	if refusal != nil {
		return nil, refusal
	}
	if st.Role == nil {
		attempt.Failed()
		return nil, InvalidRole(lr.Role)
	}
	cfg, version, err := b.config()
	if err != nil || cfg == nil {
		attempt.Abandon()
		if err == nil {
			err = framework.Errorf(http.StatusInternalServerError, "could not load backend configuration")
		}
		return nil, err
	}
	rv, err := b.reviewer(cfg, version)
	if err != nil {
		attempt.Abandon()
		return nil, err
	}
	auth, err := Login(req.Context(), cfg, st.Role, rv, lr, b.m.now())
	if errors.Is(err, ErrReviewUnavailable) {
		attempt.Abandon()
		return nil, err
	}
	authpath.Outcome(attempt, err)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Auth: authpath.CoreAuth(auth)}, nil
}
