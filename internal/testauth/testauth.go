// Package testauth is a tiny auth method for tests: its users are fixed
// when the module is built, and a login with a user's password returns
// Vault's auth block for the core to mint a token from. It proves the
// auth-method shape end to end (sys/auth, routing under auth/<path>/, an
// unauthenticated login, core minting, the login recorded in the ledger);
// it is never in the node's module list.
package testauth

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/internal/apierror"
)

// Type is the method's mount type.
const Type = "test-static"

// User is one login the method accepts.
type User struct {
	Password   string
	Policies   []string
	TTL        time.Duration
	MaxTTL     time.Duration
	NumUses    int
	BoundCIDRs []string
	Metadata   map[string]string
}

// ErrInvalidCredentials is the answer to a wrong name or password, the
// same for both (as Vault's userpass answers).
var ErrInvalidCredentials = apierror.NewFixed(8900, http.StatusBadRequest, "testauth", "invalid username or password")

// Module is the method with the given users.
func Module(users map[string]User) framework.Module {
	return framework.Module{
		Type:        Type,
		Kind:        framework.AuthMethod,
		Description: "fixed users, for tests",
		Start: func(*framework.Env) (*framework.Instance, error) {
			return &framework.Instance{Factory: func(framework.MountInfo) (*framework.Backend, error) {
				return backend(users), nil
			}}, nil
		},
	}
}

func backend(users map[string]User) *framework.Backend {
	fields := map[string]*framework.FieldSchema{
		"name":     {Type: framework.TypeString, Description: "The user's name."},
		"password": {Type: framework.TypeString, Description: "The user's password."},
	}
	login := func(req *framework.Request) (*framework.Response, error) {
		name := req.String("name")
		u, ok := users[name]
		if !ok || subtle.ConstantTimeCompare([]byte(u.Password), []byte(req.String("password"))) != 1 {
			return nil, ErrInvalidCredentials
		}
		meta := map[string]string{"name": name}
		for k, v := range u.Metadata {
			meta[k] = v
		}
		return &framework.Response{Auth: &framework.Auth{
			DisplayName: name, Policies: u.Policies, Metadata: meta, TTL: u.TTL, MaxTTL: u.MaxTTL,
			NumUses: u.NumUses, BoundCIDRs: u.BoundCIDRs, Renewable: true, Alias: &framework.Alias{Name: name},
		}}, nil
	}
	return &framework.Backend{
		Help: "A test auth method with fixed users.",
		Paths: []*framework.Path{
			{Pattern: "login", Fields: fields, Unauthenticated: true, Synopsis: "Log in with a name and a password.",
				Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: login}},
			{Pattern: "login/" + framework.GenericNameRegex("name"), Fields: fields, Unauthenticated: true, Synopsis: "Log in as the named user.",
				Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: login}},
		},
	}
}
