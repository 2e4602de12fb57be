package userpass

import (
	"fmt"
	"strings"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/tokenparams"
)

const msgInvalid = "invalid username or password"

// LoginRequest is auth/<path>/login/<username>.
type LoginRequest struct {
	Username   string
	Password   string
	RemoteAddr string
}

// ParseLoginRequest reads the password; the user name comes from the path
// and is lower-cased, as Vault does.
func ParseLoginRequest(username string, f authkit.Fields, remoteAddr string) (LoginRequest, error) {
	pw, _, err := f.String("password")
	if err != nil {
		return LoginRequest{}, err
	}
	if pw == "" {
		return LoginRequest{}, authkit.BadRequest("missing password")
	}
	return LoginRequest{Username: strings.ToLower(username), Password: pw, RemoteAddr: remoteAddr}, nil
}

// DecideLogin checks a password for user (nil: no such user) and returns
// the Auth block. It always spends one hash check, so a missing user and a
// wrong password take the same time and get the same 400.
func DecideLogin(user *User, req LoginRequest, h Hasher) (*authkit.Auth, error) {
	stored := h.dummyHash()
	if user != nil {
		if user.PasswordHash == "" {
			return nil, authkit.InvalidCredentials(msgInvalid)
		}
		stored = user.PasswordHash
	}
	if err := Check(stored, req.Password); err != nil || user == nil {
		return nil, authkit.InvalidCredentials(msgInvalid)
	}
	if len(user.Token.BoundCIDRs) > 0 && !authkit.RemoteAddrIsOk(req.RemoteAddr, user.Token.BoundCIDRs) {
		return nil, authkit.PermissionDenied(fmt.Errorf("userpass: source address %q is outside token_bound_cidrs", req.RemoteAddr))
	}
	auth := &authkit.Auth{
		DisplayName: user.Name,
		Metadata:    map[string]string{"username": user.Name},
		Alias:       &authkit.Alias{Name: user.Name},
	}
	tokenparams.Populate(user.Token, auth)
	return auth, nil
}

// DecideRenew allows renewal of a login token while the user exists and
// its policies are unchanged, as Vault's userpass renew; it returns the
// TTLs to apply.
func DecideRenew(user *User, tokenPolicies []string) (*tokenparams.Params, error) {
	if user == nil {
		return nil, authkit.PermissionDenied(fmt.Errorf("userpass: user no longer exists"))
	}
	if !authkit.EquivalentPolicies(user.Token.Policies, tokenPolicies) {
		return nil, authkit.BadRequest("policies have changed, not renewing")
	}
	p := user.Token
	return &p, nil
}
