package kubernetes

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cofferhq/coffer/engines/auth/authkit"
)

// allowedAlgorithms are the JWS algorithms Kubernetes signs with, as
// Vault's plugin lists them.
var allowedAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.PS256, jose.PS384, jose.PS512,
}

// Leeways of Vault's cap/jwt validator.
const (
	clockSkewLeeway  = time.Minute
	missingExpLeeway = 150 * time.Second
	missingNbfLeeway = 150 * time.Second
)

// ServiceAccount is what a JWT says about its service account, in either
// the projected layout (kubernetes.io {namespace, serviceaccount, pod}) or
// the legacy secret-based one.
type ServiceAccount struct {
	Name       string
	Namespace  string
	UID        string
	SecretName string
	PodName    string
	Audience   []string
}

// ErrSignature marks a token whose signature or format is not acceptable;
// Vault answers such tokens with a bare "permission denied".
var ErrSignature = errors.New("kubernetes: error verifying token signature")

// claimSet is the JSON of a service-account token.
type claimSet struct {
	Issuer    string           `json:"iss"`
	Audience  jwt.Audience     `json:"aud"`
	Expiry    *jwt.NumericDate `json:"exp"`
	NotBefore *jwt.NumericDate `json:"nbf"`
	IssuedAt  *jwt.NumericDate `json:"iat"`

	LegacyNamespace  string `json:"kubernetes.io/serviceaccount/namespace"`
	LegacyName       string `json:"kubernetes.io/serviceaccount/service-account.name"`
	LegacyUID        string `json:"kubernetes.io/serviceaccount/service-account.uid"`
	LegacySecretName string `json:"kubernetes.io/serviceaccount/secret.name"`

	Kubernetes *struct {
		Namespace      string     `json:"namespace"`
		Pod            *objectRef `json:"pod"`
		ServiceAccount *objectRef `json:"serviceaccount"`
	} `json:"kubernetes.io"`
}

type objectRef struct {
	Name string `json:"name"`
	UID  string `json:"uid"`
}

// ValidateJWT parses and checks a service-account JWT locally, as Vault's
// parseAndValidateJWT does before the binding check. A signature or format
// failure returns an error wrapping ErrSignature (answer "permission
// denied"); a claim failure is a 403 refusal with Vault's message.
func ValidateJWT(token string, cfg *Config, role *Role, now time.Time) (*ServiceAccount, error) {
	tok, err := jwt.ParseSigned(token, allowedAlgorithms)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	var cs claimSet
	if len(cfg.PEMKeys) > 0 {
		if cfg.publicKeys == nil {
			if err := cfg.Prepare(); err != nil {
				return nil, err
			}
		}
		verified := false
		for _, k := range cfg.publicKeys {
			if err = tok.Claims(k, &cs); err == nil {
				verified = true
				break
			}
		}
		if !verified {
			return nil, fmt.Errorf("%w: %w", ErrSignature, err)
		}
	} else if err := tok.UnsafeClaimsWithoutVerification(&cs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	if strings.HasSuffix(token, ".") {
		return nil, authkit.Forbidden("invalid algorithm (alg) header parameter: token must be signed")
	}
	if err := checkClaims(&cs, cfg, role, now); err != nil {
		return nil, err
	}
	sa := &ServiceAccount{
		Name:       cs.LegacyName,
		Namespace:  cs.LegacyNamespace,
		UID:        cs.LegacyUID,
		SecretName: cs.LegacySecretName,
		Audience:   []string(cs.Audience),
	}
	if k := cs.Kubernetes; k != nil {
		sa.Namespace = k.Namespace
		if k.ServiceAccount != nil {
			sa.Name, sa.UID = k.ServiceAccount.Name, k.ServiceAccount.UID
		}
		if k.Pod != nil {
			sa.PodName = k.Pod.Name
		}
	}
	return sa, nil
}

// checkClaims is cap/jwt's ValidateAllowMissingIatNbfExp with Vault's
// expectations.
func checkClaims(cs *claimSet, cfg *Config, role *Role, now time.Time) error {
	if !cfg.DisableISSValidation && cfg.Issuer != "" && cs.Issuer != cfg.Issuer {
		return authkit.Forbidden("invalid issuer (iss) claim")
	}
	if role.Audience != "" && !slices.Contains([]string(cs.Audience), role.Audience) {
		return authkit.Forbidden("invalid audience (aud) claim: audience claim does not match any expected audience")
	}
	unix := func(d *jwt.NumericDate) int64 {
		if d == nil {
			return 0
		}
		return int64(*d)
	}
	iat, nbf, exp := unix(cs.IssuedAt), unix(cs.NotBefore), unix(cs.Expiry)
	if iat == 0 && nbf == 0 && exp == 0 {
		return nil
	}
	if exp == 0 {
		exp = max(iat, nbf) + int64(missingExpLeeway/time.Second)
	}
	if nbf == 0 {
		if iat != 0 {
			nbf = iat
		} else {
			nbf = exp - int64(missingNbfLeeway/time.Second)
		}
	}
	if now.Add(clockSkewLeeway).Before(time.Unix(nbf, 0)) {
		return authkit.Forbidden("invalid not before (nbf) claim: token not yet valid")
	}
	if now.Add(-clockSkewLeeway).After(time.Unix(exp, 0)) {
		return authkit.Forbidden("invalid expiration time (exp) claim: token is expired")
	}
	if iat != 0 && now.Add(clockSkewLeeway).Before(time.Unix(iat, 0)) {
		return authkit.Forbidden("invalid issued at (iat) claim: token issued in the future")
	}
	return nil
}

// Authorize checks the service account against the role's bound names and
// namespaces (globs; "*" alone allows all), as Vault does.
func Authorize(role *Role, sa *ServiceAccount) error {
	names := role.BoundServiceAccountNames
	if len(names) == 0 || len(names) > 1 || names[0] != "*" {
		if !authkit.GlobListContains(names, sa.Name) {
			return authkit.Forbidden("service account name not authorized")
		}
	}
	nss := role.BoundServiceAccountNamespaces
	if len(nss) > 0 && (nss[0] == "*" || authkit.GlobListContains(nss, sa.Namespace)) {
		return nil
	}
	return authkit.Forbidden("namespace not authorized")
}

// AliasName names the entity alias, per the role's alias_name_source.
func AliasName(role *Role, sa *ServiceAccount) (string, error) {
	switch role.AliasNameSource {
	case AliasNameSourceUID, "":
		if sa.UID == "" {
			return "", authkit.BadRequest("could not parse UID from claims")
		}
		return sa.UID, nil
	case AliasNameSourceName:
		if sa.Namespace == "" || sa.Name == "" {
			return "", authkit.BadRequest("service account namespace and name must be set")
		}
		return sa.Namespace + "/" + sa.Name, nil
	}
	return "", fmt.Errorf("kubernetes: unknown alias_name_source %q", role.AliasNameSource)
}
