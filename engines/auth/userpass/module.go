package userpass

import (
	"time"

	cmduserpass "github.com/cofferhq/coffer/commands/userpass"
	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/auth/ratelimit"
	"github.com/cofferhq/coffer/engines/auth/tokenparams"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/authstore"
)

// Type is the mount type.
const Type = "userpass"

// Module is the userpass auth method: users with bcrypt-hashed passwords
// kept in the ledger (events/userpassevent, read model authstore), logins
// that return the Auth block the core mints a token from.
var Module = framework.Module{
	Type:        Type,
	Kind:        framework.AuthMethod,
	Description: "logins with a user name and a password",
	ReadModels: []framework.ReadModel{{
		Name: "userpass", Prefixes: []string{authstore.UserpassPrefix}, Register: authstore.RegisterUserpass,
	}},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		m := &method{deps: env.Deps, now: env.Clock()}
		return &framework.Instance{Factory: m.factory, RenewLogin: m.renewLogin}, nil
	},
}

type method struct {
	deps   framework.Deps
	now    func() time.Time
	hasher Hasher // the zero value: bcrypt at Vault's cost
}

type backend struct {
	m       *method
	mount   string
	limiter *ratelimit.Limiter
	// limiterErr refuses logins while the mount's limiter options are malformed.
	limiterErr error
	runner     *cmduserpass.Runner
}

func (m *method) factory(mount framework.MountInfo) (*framework.Backend, error) {
	limiter, limiterErr := authpath.Limiter(mount, m.now)
	b := &backend{m: m, mount: mount.Accessor, limiter: limiter, limiterErr: limiterErr, runner: &cmduserpass.Runner{Bus: m.deps.Bus, Mount: mount.Accessor}}
	return &framework.Backend{Paths: b.paths(), Help: "The userpass credential provider allows authentication using a combination of a username and password. No additional factors are supported."}, nil
}

const userPattern = "users/(?P<username>\\w(([\\w-.@]+)?\\w)?)"

func userFields(extra map[string]*framework.FieldSchema) map[string]*framework.FieldSchema {
	f := map[string]*framework.FieldSchema{
		"username":      {Type: framework.TypeString, Description: "Username for this user."},
		"password":      {Type: framework.TypeString, Description: "Password for this user."},
		"password_hash": {Type: framework.TypeString, Description: "Pre-hashed password in bcrypt format for this user."},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func (b *backend) paths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:         "login/" + framework.GenericNameRegex("username"),
			Fields:          userFields(nil),
			Unauthenticated: true,
			Synopsis:        "Log in with a username and password.",
			Operations:      authpath.Ops{framework.UpdateOperation: authpath.Wrap(b.login)},
		},
		{
			Pattern:    "users/?",
			Fields:     map[string]*framework.FieldSchema{},
			Synopsis:   "Manage users allowed to authenticate.",
			Operations: authpath.Ops{framework.ListOperation: authpath.List(func() ([]string, error) { return authstore.ListUsers(b.m.deps.Store, b.mount) })},
		},
		{
			Pattern: userPattern,
			Fields: authpath.TokenFields(userFields(nil), tokenparams.LegacyPolicies, tokenparams.LegacyTTL,
				tokenparams.LegacyMaxTTL, tokenparams.LegacyBoundCIDRs),
			Synopsis: "Manage users allowed to authenticate.",
			Operations: authpath.Ops{
				framework.CreateOperation: authpath.Wrap(b.writeUser),
				framework.UpdateOperation: authpath.Wrap(b.writeUser),
				framework.ReadOperation:   authpath.Wrap(b.readUser),
				framework.DeleteOperation: authpath.Wrap(b.deleteUser),
			},
			ExistenceCheck: func(req *framework.Request) (bool, error) {
				st, err := b.runner.LoadUser(UserKey(req.Vars["username"]))
				return st.User != nil, err
			},
		},
		{
			Pattern:    userPattern + "/password$",
			Fields:     userFields(nil),
			Synopsis:   "Reset user's password.",
			Operations: authpath.Ops{framework.UpdateOperation: authpath.Wrap(b.writePassword)},
		},
		{
			Pattern: userPattern + "/policies$",
			Fields: userFields(map[string]*framework.FieldSchema{
				"token_policies": {Type: framework.TypeCommaStringSlice, Description: "Comma-separated list of policies"},
				"policies":       {Type: framework.TypeCommaStringSlice, Deprecated: true, Description: `Use "token_policies" instead.`},
			}),
			Synopsis:   "Update the policies associated with the username.",
			Operations: authpath.Ops{framework.UpdateOperation: authpath.Wrap(b.writePolicies)},
		},
	}
}

func (b *backend) write(req *framework.Request, decide func(cur *User) (*User, error)) (*framework.Response, error) {
	return nil, b.runner.WriteUser(req.Context(), UserKey(req.Vars["username"]), decide)
}

func (b *backend) writeUser(req *framework.Request) (*framework.Response, error) {
	return b.write(req, func(cur *User) (*User, error) {
		return DecideUserWrite(cur, req.Vars["username"], authpath.Fields(req), b.m.hasher)
	})
}

func (b *backend) writePassword(req *framework.Request) (*framework.Response, error) {
	return b.write(req, func(cur *User) (*User, error) { return DecideUserPassword(cur, authpath.Fields(req), b.m.hasher) })
}

func (b *backend) writePolicies(req *framework.Request) (*framework.Response, error) {
	return b.write(req, func(cur *User) (*User, error) { return DecideUserPolicies(cur, authpath.Fields(req)) })
}

func (b *backend) readUser(req *framework.Request) (*framework.Response, error) {
	st, err := b.runner.LoadUser(UserKey(req.Vars["username"]))
	if err != nil {
		return nil, err
	}
	if st.User == nil {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: st.User.Data()}, nil
}

func (b *backend) deleteUser(req *framework.Request) (*framework.Response, error) {
	return nil, b.runner.DeleteUser(req.Context(), UserKey(req.Vars["username"]))
}

// login checks the password under the failed-login limiter; a missing
// user costs the same hash check as a wrong password.
func (b *backend) login(req *framework.Request) (*framework.Response, error) {
	lr, err := ParseLoginRequest(req.Vars["username"], authpath.Fields(req), req.RemoteAddr)
	if err != nil {
		return nil, err
	}
	st, err := b.runner.LoadUser(lr.Username)
	if err != nil {
		return nil, err
	}
	if b.limiterErr != nil {
		return nil, b.limiterErr
	}
	attempt, refusal := b.limiter.Begin(authpath.Source(req), b.mount, lr.Username, st.User != nil)
	if refusal != nil {
		return nil, refusal
	}
	auth, err := DecideLogin(st.User, lr, b.m.hasher)
	authpath.Outcome(attempt, err)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Auth: authpath.CoreAuth(auth)}, nil
}
