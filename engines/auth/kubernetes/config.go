package kubernetes

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/events/kubernetesevent"
)

// Config is the mount's auth/<path>/config.
type Config struct {
	// Config is the stored part (the event schema's).
	kubernetesevent.Config

	publicKeys []crypto.PublicKey
}

// ParseConfig builds a config from a write, as Vault's config write does:
// the write replaces the whole config; disable_iss_validation defaults to
// true. Refusals are 400 with Vault's messages.
func ParseConfig(f authkit.Fields) (*Config, error) {
	c := &Config{Config: kubernetesevent.Config{DisableISSValidation: true}}
	var err error
	if c.Host, _, err = f.String("kubernetes_host"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.Host) == "" {
		return nil, authkit.BadRequest("no host provided")
	}
	if c.CACert, _, err = f.String("kubernetes_ca_cert"); err != nil {
		return nil, err
	}
	if c.TokenReviewerJWT, _, err = f.String("token_reviewer_jwt"); err != nil {
		return nil, err
	}
	if c.PEMKeys, _, err = f.StringSlice("pem_keys"); err != nil {
		return nil, err
	}
	if c.Issuer, _, err = f.String("issuer"); err != nil {
		return nil, err
	}
	if v, ok, err := f.Bool("disable_iss_validation"); err != nil {
		return nil, err
	} else if ok {
		c.DisableISSValidation = v
	}
	if c.DisableLocalCAJWT, _, err = f.Bool("disable_local_ca_jwt"); err != nil {
		return nil, err
	}
	if c.UseAnnotationsAsAliasMetadata, _, err = f.Bool("use_annotations_as_alias_metadata"); err != nil {
		return nil, err
	}
	if c.DisableLocalCAJWT && c.CACert == "" {
		return nil, authkit.BadRequest("kubernetes_ca_cert must be given when disable_local_ca_jwt is true")
	}
	if err := c.Prepare(); err != nil {
		return nil, err
	}
	return c, nil
}

// Prepare parses the PEM material of a config read back from storage. It
// must be called before the config is used for a login.
func (c *Config) Prepare() error {
	c.publicKeys = make([]crypto.PublicKey, 0, len(c.PEMKeys))
	for _, p := range c.PEMKeys {
		k, err := ParsePublicKeyPEM([]byte(p))
		if err != nil {
			return authkit.BadRequest("%s", err.Error())
		}
		c.publicKeys = append(c.publicKeys, k)
	}
	if c.CACert != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(c.CACert)) {
		return authkit.BadRequest("kubernetes_ca_cert contains no valid PEM certificates")
	}
	return nil
}

// Data renders the config for a read, as Vault does: the reviewer JWT is
// never returned, only whether one is set.
func (c *Config) Data() map[string]any {
	keys := c.PEMKeys
	if keys == nil {
		keys = []string{}
	}
	return map[string]any{
		"kubernetes_host":                   c.Host,
		"kubernetes_ca_cert":                c.CACert,
		"pem_keys":                          keys,
		"issuer":                            c.Issuer,
		"disable_iss_validation":            c.DisableISSValidation,
		"disable_local_ca_jwt":              c.DisableLocalCAJWT,
		"use_annotations_as_alias_metadata": c.UseAnnotationsAsAliasMetadata,
		"token_reviewer_jwt_set":            c.TokenReviewerJWT != "",
	}
}

var errNoPublicKey = errors.New("data does not contain any valid public keys")

// ParsePublicKeyPEM reads the first public key of a PEM block: a PKIX
// "PUBLIC KEY", a PKCS#1 "RSA PUBLIC KEY", or a certificate's key, as
// Vault's certutil.ParsePublicKeyPEM.
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	for len(data) > 0 {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
			return supported(k)
		}
		if k, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
			return k, nil
		}
		if cert, err := x509.ParseCertificate(block.Bytes); err == nil {
			return supported(cert.PublicKey)
		}
	}
	return nil, errNoPublicKey
}

func supported(k any) (crypto.PublicKey, error) {
	switch k.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return k, nil
	}
	return nil, errNoPublicKey
}
