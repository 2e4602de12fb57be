package approle

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/tokenparams"
)

// MetaRoleName is the metadata key AppRole logins always carry.
const MetaRoleName = "role_name"

// msgInvalid is Vault's answer for an unknown role ID or secret ID.
const msgInvalid = "invalid role or secret ID"

// LoginRequest is auth/<path>/login.
type LoginRequest struct {
	RoleID     string
	SecretID   string
	RemoteAddr string
}

// ParseLoginRequest reads role_id and secret_id (trimmed, as Vault does).
func ParseLoginRequest(f authkit.Fields, remoteAddr string) (LoginRequest, error) {
	roleID, _, err := f.String("role_id")
	if err != nil {
		return LoginRequest{}, err
	}
	roleID = strings.TrimSpace(roleID)
	if roleID == "" {
		return LoginRequest{}, authkit.BadRequest("missing role_id")
	}
	secretID, _, err := f.String("secret_id")
	if err != nil {
		return LoginRequest{}, err
	}
	return LoginRequest{RoleID: roleID, SecretID: strings.TrimSpace(secretID), RemoteAddr: remoteAddr}, nil
}

// InvalidCredentials is the refusal for an unknown role ID (role not
// found) or secret ID.
func InvalidCredentials() error { return authkit.InvalidCredentials(msgInvalid) }

// SecretIDLookupKey is the HMAC under which the login's secret ID would be
// filed for role; the caller loads that state and passes it to
// DecideLogin.
func SecretIDLookupKey(role *Role, secretID string) (string, error) {
	if secretID == "" {
		return "", authkit.BadRequest("missing secret_id")
	}
	h, err := HMAC(role.HMACKey, secretID)
	if err != nil {
		// Longer than any secret ID can be: it cannot match one.
		return "", InvalidCredentials()
	}
	return h, nil
}

// LoginResult is a successful login: the Auth block, and the events to
// append with it (a use of a limited secret ID).
type LoginResult struct {
	Auth   *authkit.Auth
	Events []Event
}

// DecideLogin decides a login for role (nil: the role ID matched no role)
// with the secret ID's state (nil: none filed under its HMAC). It is pure;
// the events must be appended against the secret ID's version.
func DecideLogin(role *Role, entry *SecretID, req LoginRequest, now time.Time) (*LoginResult, error) {
	if role == nil {
		return nil, InvalidCredentials()
	}
	var events []Event
	metadata := map[string]string{}
	tokenCIDRs := role.Token.BoundCIDRs
	if role.BindSecretID {
		if req.SecretID == "" {
			return nil, authkit.BadRequest("missing secret_id")
		}
		if entry == nil || entry.Expired(now) {
			return nil, InvalidCredentials()
		}
		if err := subsetOf(role.SecretIDBoundCIDRs, entry.CIDRList); err != nil {
			return nil, err
		}
		if len(entry.CIDRList) > 0 {
			if req.RemoteAddr == "" {
				return nil, fmt.Errorf("approle: failed to get connection information")
			}
			in, err := authkit.IPBelongsToCIDRs(req.RemoteAddr, entry.CIDRList)
			if err != nil {
				return nil, authkit.BadRequest("%s", err)
			}
			if !in {
				return nil, authkit.BadRequest("source address %q unauthorized through CIDR restrictions on the secret ID", hostOf(req.RemoteAddr))
			}
		}
		if entry.NumUses > 0 {
			events = append(events, SecretIDUsed{Role: role.Name, HMAC: entry.HMAC, At: now, Exhausted: entry.NumUses == 1})
		}
		metadata = maps.Clone(entry.Metadata)
		if metadata == nil {
			metadata = map[string]string{}
		}
		if len(entry.TokenBoundCIDRs) > 0 {
			cidrs, err := authkit.ParseAddrs(entry.TokenBoundCIDRs)
			if err != nil {
				return nil, authkit.BadRequest("%s", err)
			}
			tokenCIDRs = cidrs
		}
	}
	if len(role.SecretIDBoundCIDRs) > 0 {
		if req.RemoteAddr == "" {
			return nil, fmt.Errorf("approle: failed to get connection information")
		}
		in, err := authkit.IPBelongsToCIDRs(req.RemoteAddr, role.SecretIDBoundCIDRs)
		if err != nil || !in {
			return nil, authkit.BadRequest("source address %q unauthorized by CIDR restrictions on the role", hostOf(req.RemoteAddr))
		}
	}
	metadata[MetaRoleName] = role.Name
	auth := &authkit.Auth{
		InternalData: map[string]string{MetaRoleName: role.Name},
		Metadata:     metadata,
		Alias:        &authkit.Alias{Name: role.RoleID, Metadata: maps.Clone(metadata)},
	}
	tokenparams.Populate(role.Token, auth)
	auth.BoundCIDRs = append([]string(nil), tokenCIDRs...)
	return &LoginResult{Auth: auth, Events: events}, nil
}

// hostOf drops a port from a remote address for messages.
func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 && !strings.HasSuffix(addr, "]") && strings.Count(addr, ":") == 1 {
		return addr[:i]
	}
	if strings.HasPrefix(addr, "[") {
		if i := strings.Index(addr, "]"); i > 0 {
			return addr[1:i]
		}
	}
	return addr
}
