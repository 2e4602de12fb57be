package transit

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"

	cmdtransit "github.com/cofferhq/coffer/commands/transit"
	"github.com/cofferhq/coffer/engines/framework"
)

// Export types, as Vault names them.
const (
	exportEncryptionKey = "encryption-key"
	exportSigningKey    = "signing-key"
	exportHMACKey       = "hmac-key"
	exportPublicKey     = "public-key"
)

func (b *Backend) exportPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern:    "export/" + framework.GenericNameRegex("type") + "/" + nameRegex + optionalParam("version"),
		Fields:     fieldsOf("name", "format"),
		Synopsis:   "Export named encryption or signing key",
		Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.handleExport},
	}}
}

func (b *Backend) handleExport(req *framework.Request) (*framework.Response, error) {
	exportType, name := req.Vars["type"], req.Vars["name"]
	switch exportType {
	case exportEncryptionKey, exportSigningKey, exportHMACKey, exportPublicKey:
	default:
		return nil, framework.BadRequest("invalid export type: %s", exportType)
	}
	format := req.String("format")
	switch format {
	case "", "raw", "der", "pem":
	default:
		return nil, framework.BadRequest("invalid format: %s", format)
	}
	kr, err := b.keyring(req.Context(), name)
	if errors.Is(err, errKeyNotFound) {
		return nil, framework.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	k := kr.key
	if !k.Exportable && exportType != exportPublicKey {
		return nil, framework.BadRequest("private key material is not exportable")
	}
	switch {
	case exportType == exportEncryptionKey && !kr.kt.EncryptionSupported():
		return nil, framework.BadRequest("encryption not supported for the key")
	case exportType == exportSigningKey && !kr.kt.SigningSupported():
		return nil, framework.BadRequest("signing not supported for the key")
	case exportType == exportPublicKey && !kr.kt.Asymmetric():
		return nil, framework.BadRequest("public key not available for the key")
	}
	versions := readableVersions(k)
	if v := req.Vars["version"]; v != "" {
		n := k.LatestVersion
		if v != "latest" {
			if n, err = strconv.Atoi(strings.TrimPrefix(v, "v")); err != nil {
				return nil, framework.BadRequest("invalid key version")
			}
		}
		if n < k.MinDecryptionVersion {
			return nil, framework.BadRequest("version for export is below minimum decryption version")
		}
		if _, ok := kr.versions[n]; !ok {
			return nil, framework.BadRequest("version does not exist or cannot be found")
		}
		versions = []int{n}
	}
	keys := map[string]string{}
	for _, n := range versions {
		s, err := kr.exportVersion(kr.versions[n], exportType, format)
		if err != nil {
			return nil, asResponseError(err)
		}
		keys[strconv.Itoa(n)] = s
	}
	return &framework.Response{Data: map[string]any{"name": k.Name, "type": k.Type, "keys": keys}}, nil
}

func pemString(blockType string, der []byte, trim bool) string {
	s := string(pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}))
	if trim {
		s = strings.TrimSpace(s)
	}
	return s
}

// exportVersion renders one version as Vault's export does: raw keys in
// base64; ECDSA as SEC 1 and RSA as PKCS#1 PEM by default, PKCS#8 with
// format der or pem.
func (kr *keyring) exportVersion(v *keyVersion, exportType, format string) (string, error) {
	switch exportType {
	case exportHMACKey:
		if format == "der" || format == "pem" {
			return "", userErrorf("unknown format for HMAC key; supported values are `` or `raw`")
		}
		return base64.StdEncoding.EncodeToString(kr.hmacKey(v)), nil
	case exportPublicKey:
		return kr.exportPublic(v, format)
	}
	switch {
	case kr.kt.Symmetric():
		if format == "der" || format == "pem" {
			return "", userErrorf("unknown format for symmetric key; supported values are `` or `raw`")
		}
		return base64.StdEncoding.EncodeToString(v.material.Key), nil
	case kr.kt == cmdtransit.Ed25519:
		if format == "" || format == "raw" {
			return base64.StdEncoding.EncodeToString(v.material.Key), nil
		}
		return pkcs8(ed25519.PrivateKey(v.material.Key), format)
	case kr.kt.IsECDSA():
		if format == "raw" {
			return "", userErrorf("unknown key format for ec key; supported values are ``, `der`, or `pem`")
		}
		if format == "" {
			der, err := x509.MarshalECPrivateKey(v.ec)
			if err != nil {
				return "", fmt.Errorf("transit: marshal ec key: %w", err)
			}
			return pemString("EC PRIVATE KEY", der, true), nil
		}
		return pkcs8(v.ec, format)
	case kr.kt.IsRSA():
		if format == "raw" {
			return "", userErrorf("unknown key format for rsa key; supported values are ``, `der`, or `pem`")
		}
		if format == "" {
			return pemString("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(v.rsa), false), nil
		}
		return pkcs8(v.rsa, format)
	}
	return "", userErrorf("unknown key type %s for export type %s", kr.kt, exportType)
}

func pkcs8(priv any, format string) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("transit: marshal private key: %w", err)
	}
	if format == "der" {
		return base64.StdEncoding.EncodeToString(der), nil
	}
	return pemString("PRIVATE KEY", der, true), nil
}

func (kr *keyring) exportPublic(v *keyVersion, format string) (string, error) {
	var pub any
	switch {
	case kr.kt == cmdtransit.Ed25519:
		p := v.ed.Public().(ed25519.PublicKey)
		if format == "" || format == "raw" {
			return base64.StdEncoding.EncodeToString(p), nil
		}
		pub = p
	case kr.kt.IsECDSA():
		pub = &v.ec.PublicKey
	default:
		pub = &v.rsa.PublicKey
	}
	if format == "raw" {
		return "", userErrorf("unknown key format for %s key; supported values are ``, `der`, or `pem`", kr.kt)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("transit: marshal public key: %w", err)
	}
	if format == "der" {
		return base64.StdEncoding.EncodeToString(der), nil
	}
	return pemString("PUBLIC KEY", der, !kr.kt.IsRSA()), nil
}
