package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/tokenparams"
)

// Metadata keys of a Kubernetes login, as Vault's.
const (
	MetaServiceAccountUID        = "service_account_uid"
	MetaServiceAccountName       = "service_account_name"
	MetaServiceAccountNamespace  = "service_account_namespace"
	MetaServiceAccountSecretName = "service_account_secret_name"
	MetaRole                     = "role"
)

// Reviewer is the apiserver side of a login; *Client is the real one.
type Reviewer interface {
	Review(ctx context.Context, jwt string, audiences []string) (*ReviewResult, error)
	AliasMetadata(ctx context.Context, jwt, namespace, name string) (map[string]string, error)
}

// LoginRequest is auth/<path>/login.
type LoginRequest struct {
	Role       string
	JWT        string
	RemoteAddr string
}

// ParseLoginRequest reads role and jwt, refusing missing ones with Vault's
// messages.
func ParseLoginRequest(f authkit.Fields, remoteAddr string) (LoginRequest, error) {
	role, _, err := f.String("role")
	if err != nil {
		return LoginRequest{}, err
	}
	if role == "" {
		return LoginRequest{}, authkit.BadRequest("missing role")
	}
	jwt, _, err := f.String("jwt")
	if err != nil {
		return LoginRequest{}, err
	}
	if jwt == "" {
		return LoginRequest{}, authkit.BadRequest("missing jwt")
	}
	return LoginRequest{Role: role, JWT: jwt, RemoteAddr: remoteAddr}, nil
}

// InvalidRole is Vault's answer for a login naming no role that exists.
func InvalidRole(name string) error {
	return authkit.BadRequest("invalid role name %q", name)
}

// ErrNoConfig is a login before the mount is configured (500, as Vault).
var ErrNoConfig = errors.New("kubernetes: could not load backend configuration")

// ErrReviewUnavailable marks a login that failed because the apiserver
// could not be asked (not the client's fault); the answer is still
// Vault's "permission denied", but the rate limiter should not count it.
var ErrReviewUnavailable = errors.New("kubernetes: token review unavailable")

// Login authenticates a service account for role (already loaded by the
// caller; nil cfg is ErrNoConfig) and returns the Auth block. Refusals are
// *authkit.Error with Vault's status and message.
func Login(ctx context.Context, cfg *Config, role *Role, rv Reviewer, req LoginRequest, now time.Time) (*authkit.Auth, error) {
	if cfg == nil {
		return nil, ErrNoConfig
	}
	if len(role.Token.BoundCIDRs) > 0 && !authkit.RemoteAddrIsOk(req.RemoteAddr, role.Token.BoundCIDRs) {
		return nil, authkit.PermissionDenied(fmt.Errorf("kubernetes: source address %q is outside token_bound_cidrs", req.RemoteAddr))
	}
	sa, err := ValidateJWT(req.JWT, cfg, role, now)
	if err != nil {
		if errors.Is(err, ErrSignature) {
			return nil, authkit.PermissionDenied(err)
		}
		return nil, err
	}
	if err := Authorize(role, sa); err != nil {
		return nil, err
	}
	alias, err := AliasName(role, sa)
	if err != nil {
		return nil, err
	}

	// Ask for the role's audience, or else the token's own, as Vault does.
	want := sa.Audience
	if role.Audience != "" {
		want = []string{role.Audience}
	}
	r, err := rv.Review(ctx, req.JWT, want)
	if err != nil {
		cause := err
		if !isLookupRefusal(err) {
			cause = fmt.Errorf("%w: %w", ErrReviewUnavailable, err)
		}
		return nil, authkit.PermissionDenied(cause)
	}
	switch {
	case r.Name != sa.Name:
		return nil, authkit.PermissionDenied(errors.New("JWT names did not match"))
	case r.UID != sa.UID:
		return nil, authkit.PermissionDenied(errors.New("JWT UIDs did not match"))
	case r.Namespace != sa.Namespace:
		return nil, authkit.PermissionDenied(errors.New("JWT namepaces did not match"))
	}

	aliasMeta := map[string]string{}
	if cfg.UseAnnotationsAsAliasMetadata {
		m, err := rv.AliasMetadata(ctx, req.JWT, sa.Namespace, sa.Name)
		if err != nil {
			if errors.Is(err, ErrReservedAliasMetadata) {
				return nil, authkit.BadRequest("%s%s", msgReservedAliasMetadata, strings.TrimPrefix(err.Error(), ErrReservedAliasMetadata.Error()))
			}
			return nil, err
		}
		aliasMeta = m
	}
	aliasMeta[MetaServiceAccountUID] = sa.UID
	aliasMeta[MetaServiceAccountName] = sa.Name
	aliasMeta[MetaServiceAccountNamespace] = sa.Namespace
	aliasMeta[MetaServiceAccountSecretName] = sa.SecretName

	auth := &authkit.Auth{
		DisplayName: sa.Namespace + "-" + sa.Name,
		Metadata: map[string]string{
			MetaServiceAccountUID:        sa.UID,
			MetaServiceAccountName:       sa.Name,
			MetaServiceAccountNamespace:  sa.Namespace,
			MetaServiceAccountSecretName: sa.SecretName,
			MetaRole:                     req.Role,
		},
		InternalData: map[string]string{MetaRole: req.Role},
		Alias:        &authkit.Alias{Name: alias, Metadata: aliasMeta},
	}
	tokenparams.Populate(role.Token, auth)
	return auth, nil
}

// isLookupRefusal tells the apiserver's "no" (a verdict on the token) from
// a failure to ask it (network, TLS, timeout, 5xx).
func isLookupRefusal(err error) bool {
	var le *lookupError
	return errors.As(err, &le)
}
