package certs

import (
	"crypto/x509"
	"encoding/base64"
	"slices"
	"strings"
)

// Format is the format field of issue, sign and generate paths.
type Format string

// The formats Vault returns certificates in.
const (
	FormatPEM       Format = "pem"
	FormatDER       Format = "der"
	FormatPEMBundle Format = "pem_bundle"
)

// ParseFormat reads the format field; empty is pem (the field's default).
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case "":
		return FormatPEM, nil
	case FormatPEM, FormatDER, FormatPEMBundle:
		return f, nil
	}
	return "", Refusef(`the "format" path parameter must be "pem", "der", or "pem_bundle"`)
}

// ParseSignIntermediateFormat is ParseFormat with root/sign-intermediate's
// message (which names only pem and der, though pem_bundle is accepted).
func ParseSignIntermediateFormat(s string) (Format, error) {
	f, err := ParseFormat(s)
	if err != nil {
		return "", Refusef(`The "format" path parameter must be "pem" or "der"`)
	}
	return f, nil
}

// KeyFormat is private_key_format: der (the key type's own encoding; PEM
// when the response format is PEM), pem (the same) or pkcs8.
type KeyFormat string

// The private key formats.
const (
	KeyFormatDefault KeyFormat = ""
	KeyFormatDER     KeyFormat = "der"
	KeyFormatPEM     KeyFormat = "pem"
	KeyFormatPKCS8   KeyFormat = "pkcs8"
)

// ParseKeyFormat reads private_key_format.
func ParseKeyFormat(s string) (KeyFormat, error) {
	switch f := KeyFormat(s); f {
	case KeyFormatDefault, KeyFormatDER, KeyFormatPEM, KeyFormatPKCS8:
		return f, nil
	}
	return "", Refusef(`the "private_key_format" field must be "der", "pem" or "pkcs8"`)
}

// encoder writes certificates and keys in one response format.
type encoder struct {
	f  Format
	kf KeyFormat
}

func (e encoder) cert(c *x509.Certificate) string {
	if e.f == FormatDER {
		return base64.StdEncoding.EncodeToString(c.Raw)
	}
	return CertPEM(c)
}

func (e encoder) certs(list []*x509.Certificate) []string {
	out := make([]string, 0, len(list))
	for _, c := range list {
		out = append(out, e.cert(c))
	}
	return out
}

func (e encoder) key(k *PrivateKey) (string, error) {
	der, typ := k.DER, k.pemType()
	if e.kf == KeyFormatPKCS8 {
		var err error
		if der, err = k.PKCS8(); err != nil {
			return "", err
		}
		typ = "PRIVATE KEY"
	}
	if e.f == FormatDER {
		return base64.StdEncoding.EncodeToString(der), nil
	}
	return pemString(typ, der), nil
}

// addKey writes private_key and private_key_type.
func (e encoder) addKey(data map[string]any, k *PrivateKey) (string, error) {
	pk, err := e.key(k)
	if err != nil {
		return "", err
	}
	data["private_key"] = pk
	data["private_key_type"] = k.Type
	return pk, nil
}

// IssueData is the data of issue/:role, sign/:role and sign-verbatim:
// certificate, issuing_ca, ca_chain, serial_number, expiration, and
// private_key/private_key_type when the engine generated the key. In
// pem_bundle, certificate is the key (if any), the certificate and the
// chain, one PEM after another. removeRoots drops self-signed certificates
// from ca_chain (remove_roots_from_chain).
func IssueData(f Format, kf KeyFormat, is *Issued, removeRoots bool) (map[string]any, error) {
	e := encoder{f, kf}
	chain := is.CAChain
	if removeRoots {
		chain = withoutRoots(chain)
	}
	data := map[string]any{
		"serial_number": FormatSerial(is.Cert.SerialNumber),
		"expiration":    is.Cert.NotAfter.Unix(),
	}
	if f == FormatDER {
		data["certificate"] = e.cert(is.Cert)
	} else {
		data["certificate"] = is.PEM()
	}
	cached := is.issuer != nil && f != FormatDER
	if cached {
		data["issuing_ca"] = is.issuer.cachedPEMs().cert
	} else {
		data["issuing_ca"] = e.cert(is.IssuingCA)
	}
	if len(chain) > 0 {
		if cached && !removeRoots {
			data["ca_chain"] = slices.Clone(is.issuer.cachedPEMs().chain)
		} else {
			data["ca_chain"] = e.certs(chain)
		}
	}
	var pk string
	if is.Key != nil {
		var err error
		if pk, err = e.addKey(data, is.Key); err != nil {
			return nil, err
		}
	}
	if f == FormatPEMBundle {
		parts := []string{}
		if pk != "" {
			parts = append(parts, pk)
		}
		parts = append(parts, is.PEM())
		if is.issuer != nil {
			parts = append(parts, is.issuer.cachedPEMs().chain...)
		} else {
			parts = append(parts, e.certs(is.CAChain)...)
		}
		data["certificate"] = strings.Join(parts, "\n")
	}
	return data, nil
}

// RootData is the data of root/generate/:type: certificate, issuing_ca
// (the root itself), serial_number, expiration, and the key when exported.
// In pem_bundle with an exported key, certificate is the key then the
// certificate.
func RootData(f Format, kf KeyFormat, is *Issued, exported bool) (map[string]any, error) {
	e := encoder{f, kf}
	data := map[string]any{
		"serial_number": FormatSerial(is.Cert.SerialNumber),
		"expiration":    is.Cert.NotAfter.Unix(),
		"certificate":   e.cert(is.Cert),
		"issuing_ca":    e.cert(is.Cert),
	}
	if exported && is.Key != nil {
		pk, err := e.addKey(data, is.Key)
		if err != nil {
			return nil, err
		}
		if f == FormatPEMBundle {
			data["certificate"] = pk + "\n" + CertPEM(is.Cert)
		}
	}
	return data, nil
}

// SignIntermediateData is the data of root/sign-intermediate: certificate
// (in pem_bundle followed by the signer's chain, which is what the
// tutorial hands to set-signed), issuing_ca, ca_chain (the new
// certificate and the signer's chain), serial_number, expiration.
func SignIntermediateData(f Format, is *Issued) map[string]any {
	e := encoder{f: f}
	chain := append([]*x509.Certificate{is.Cert}, is.CAChain...)
	data := map[string]any{
		"serial_number": FormatSerial(is.Cert.SerialNumber),
		"expiration":    is.Cert.NotAfter.Unix(),
		"certificate":   e.cert(is.Cert),
		"issuing_ca":    e.cert(is.IssuingCA),
		"ca_chain":      e.certs(chain),
	}
	if f == FormatPEMBundle {
		data["certificate"] = strings.Join(e.certs(chain), "\n")
	}
	return data
}

// CSRData is the data of intermediate/generate/:type: csr, and the key
// when exported (pem_bundle then puts the key before the CSR).
func CSRData(f Format, kf KeyFormat, csr *x509.CertificateRequest, key *PrivateKey, exported bool) (map[string]any, error) {
	e := encoder{f, kf}
	data := map[string]any{"csr": CSRPEM(csr)}
	if f == FormatDER {
		data["csr"] = base64.StdEncoding.EncodeToString(csr.Raw)
	}
	if exported && key != nil {
		pk, err := e.addKey(data, key)
		if err != nil {
			return nil, err
		}
		if f == FormatPEMBundle {
			data["csr"] = pk + "\n" + CSRPEM(csr)
		}
	}
	return data, nil
}

func withoutRoots(chain []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range chain {
		if !IsSelfSigned(c) {
			out = append(out, c)
		}
	}
	return out
}

// ChainPEM is ca_chain as the ca_chain and cert/ca_chain paths serve it:
// every certificate PEM, newline-separated, no trailing newline.
func ChainPEM(chain []*x509.Certificate) string {
	parts := make([]string, 0, len(chain))
	for _, c := range chain {
		parts = append(parts, CertPEM(c))
	}
	return strings.Join(parts, "\n")
}
