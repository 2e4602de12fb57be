package approle

import (
	"errors"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/authstore"
)

func (b *backend) loginPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern: "login",
		Fields: map[string]*framework.FieldSchema{
			"role_id":   {Type: framework.TypeString, Description: "Unique identifier of the Role. Required to be supplied when the 'bind_secret_id' constraint is set."},
			"secret_id": {Type: framework.TypeString, Description: "SecretID belong to the App role"},
		},
		Unauthenticated: true,
		Synopsis:        "Issue a token based on the credentials supplied",
		Operations:      authpath.Ops{framework.UpdateOperation: authpath.Wrap(b.login)},
	}}
}

// login checks a role ID and secret ID under the failed-login limiter; a
// limited secret ID's use is appended against its version before the core
// mints the token.
func (b *backend) login(req *framework.Request) (*framework.Response, error) {
	lr, err := ParseLoginRequest(authpath.Fields(req), req.RemoteAddr)
	if err != nil {
		return nil, err
	}
	bar, err := b.barrier()
	if err != nil {
		return nil, err
	}
	name, err := authstore.AppRoleByRoleID(b.m.deps.Store, bar, b.mount, lr.RoleID)
	if err != nil && !errors.Is(err, authstore.ErrNotFound) {
		return nil, err
	}
	known := err == nil
	if b.limiterErr != nil {
		return nil, b.limiterErr
	}
	attempt, refusal := b.limiter.Begin(authpath.Source(req), b.mount, name, known)
	if refusal != nil {
		return nil, refusal
	}
	if !known {
		attempt.Failed()
		return nil, InvalidCredentials()
	}
	auth, err := b.decideLogin(req, name, lr)
	authpath.Outcome(attempt, err)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Auth: authpath.CoreAuth(auth)}, nil
}

func (b *backend) decideLogin(req *framework.Request, name string, lr LoginRequest) (*authkit.Auth, error) {
	now := b.m.now()
	st, err := b.runner.LoadRole(name)
	if err != nil {
		return nil, err
	}
	if st.Role == nil || !st.Role.BindSecretID {
		res, err := DecideLogin(st.Role, nil, lr, now)
		if err != nil {
			return nil, err
		}
		return res.Auth, nil
	}
	var out *authkit.Auth
	err = b.runner.RunSecretID(req.Context(), name,
		func(r *Role) (string, error) { return SecretIDLookupKey(r, lr.SecretID) },
		func(r *Role, cur *SecretID) ([]Event, error) {
			res, err := DecideLogin(r, cur, lr, now)
			if err != nil {
				return nil, err
			}
			out = res.Auth
			return res.Events, nil
		})
	return out, err
}
