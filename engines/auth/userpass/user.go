package userpass

import (
	"errors"

	"golang.org/x/crypto/bcrypt"
	"slices"
	"strings"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/tokenparams"
	"github.com/cofferhq/coffer/events/userpassevent"
)

// User is auth/<path>/users/<username>; the type is the event schema's.
type User = userpassevent.User

// UserKey is the storage key of a user name.
func UserKey(name string) string { return strings.ToLower(name) }

var userTokenFields = tokenparams.Parser{Legacy: []tokenparams.Alias{
	tokenparams.LegacyPolicies, tokenparams.LegacyTTL, tokenparams.LegacyMaxTTL, tokenparams.LegacyBoundCIDRs,
}}

// DecideUserWrite applies a create (existing == nil) or update of a user,
// as Vault's users/<name> write. Refusals are 400 with Vault's messages.
func DecideUserWrite(existing *User, name string, f authkit.Fields, h Hasher) (*User, error) {
	if strings.TrimSpace(name) == "" {
		return nil, authkit.BadRequest("missing username")
	}
	password, imported, err := passwordFields(f)
	if err != nil {
		return nil, err
	}
	if existing == nil {
		if err := validatePasswordInput(password, imported); err != nil {
			return nil, err
		}
	}
	var u User
	if existing != nil {
		u = *existing
		u.Token.Policies = slices.Clone(existing.Token.Policies)
	}
	u.Name = UserKey(name)
	if _, err := userTokenFields.Parse(&u.Token, f); err != nil {
		return nil, err
	}
	if password != "" || imported != "" {
		if err := setPassword(&u, password, imported, h); err != nil {
			return nil, err
		}
	}
	return &u, nil
}

// DecideUserPassword is users/<name>/password: exactly one of password or
// password_hash.
func DecideUserPassword(existing *User, f authkit.Fields, h Hasher) (*User, error) {
	if existing == nil {
		return nil, authkit.BadRequest("username does not exist")
	}
	password, imported, err := passwordFields(f)
	if err != nil {
		return nil, err
	}
	u := *existing
	if err := setPassword(&u, password, imported, h); err != nil {
		return nil, err
	}
	return &u, nil
}

// DecideUserPolicies is users/<name>/policies: token_policies (or the
// legacy policies), sanitised as Vault's policyutil.ParsePolicies.
func DecideUserPolicies(existing *User, f authkit.Fields) (*User, error) {
	if existing == nil {
		return nil, authkit.BadRequest("username does not exist")
	}
	u := *existing
	tp, tpOK, err := f.StringSlice("token_policies")
	if err != nil {
		return nil, err
	}
	lp, lpOK, err := f.StringSlice("policies")
	if err != nil {
		return nil, err
	}
	switch {
	case tpOK:
		u.Token.Policies, _ = tokenparams.ParsePolicies(tp)
		if lpOK {
			u.Token.Legacy.Policies = slices.Clone(u.Token.Policies)
		} else {
			u.Token.Legacy.Policies = nil
		}
	case lpOK:
		u.Token.Policies, _ = tokenparams.ParsePolicies(lp)
		u.Token.Legacy.Policies = slices.Clone(u.Token.Policies)
	}
	return &u, nil
}

func passwordFields(f authkit.Fields) (password, imported string, err error) {
	if password, _, err = f.String("password"); err != nil {
		return "", "", err
	}
	if imported, _, err = f.String("password_hash"); err != nil {
		return "", "", err
	}
	return password, imported, nil
}

func validatePasswordInput(password, imported string) error {
	switch {
	case password != "" && imported != "":
		return authkit.BadRequest("only one of password or password_hash may be provided")
	case password == "" && imported == "":
		return authkit.BadRequest("must provide either password or password_hash")
	}
	return nil
}

func setPassword(u *User, password, imported string, h Hasher) error {
	if err := validatePasswordInput(password, imported); err != nil {
		return err
	}
	if password != "" {
		hash, err := h.Hash(password)
		if errors.Is(err, bcrypt.ErrPasswordTooLong) {
			return authkit.BadRequest("password is longer than 72 bytes, the most bcrypt takes")
		}
		if err != nil {
			return err
		}
		u.PasswordHash = hash
		return nil
	}
	if err := checkImportedHash(imported); err != nil {
		return authkit.BadRequest("%s", err)
	}
	u.PasswordHash = imported
	return nil
}
