package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"
)

// Params is everything a certificate (or CSR) is built from once policy
// has decided: the role and the request are already applied, TTLs capped,
// names validated. Vault calls this its creation bundle.
type Params struct {
	Subject        pkix.Name
	DNSNames       []string
	EmailAddresses []string
	IPAddresses    []net.IP
	URIs           []*url.URL
	// OtherSANs maps an OID ("1.3.6.1.4.1.311.20.2.3") to UTF-8 values.
	OtherSANs map[string][]string

	NotBefore time.Time
	NotAfter  time.Time

	KeyUsage        x509.KeyUsage
	ExtKeyUsage     ExtKeyUsage
	ExtKeyUsageOIDs []asn1.ObjectIdentifier

	IsCA bool
	// MaxPathLength is the CA's path length constraint; -1 is none.
	MaxPathLength       int
	PermittedDNSDomains []string
	// BasicConstraintsValidForNonCA writes CA:FALSE into leaf certificates.
	BasicConstraintsValidForNonCA bool

	// SignatureBits picks the RSA signature hash (256, 384, 512; 0 is
	// 256). ECDSA issuers always sign with their curve's hash, Ed25519
	// with its own.
	SignatureBits int
	UsePSS        bool

	// URLs are the issuer's AIA and CRL locations, already expanded.
	URLs URLs

	// SKID overrides the subject key id (cross-signing keeps the
	// original's); nil derives it from the public key.
	SKID []byte
	// Serial is the serial number; nil draws a random one.
	Serial *big.Int
}

// ExtKeyUsage is a set of extended key usages (Vault's server_flag,
// client_flag, code_signing_flag, email_protection_flag and ext_key_usage
// names). It is written into certificates in a fixed order, as Vault does.
type ExtKeyUsage uint32

// The extended key usages Vault knows by name.
const (
	EKUAny ExtKeyUsage = 1 << iota
	EKUServerAuth
	EKUClientAuth
	EKUCodeSigning
	EKUEmailProtection
	EKUIPSECEndSystem
	EKUIPSECTunnel
	EKUIPSECUser
	EKUTimeStamping
	EKUOCSPSigning
	EKUMicrosoftServerGatedCrypto
	EKUNetscapeServerGatedCrypto
	EKUMicrosoftCommercialCodeSigning
	EKUMicrosoftKernelCodeSigning
)

var ekuOrder = []struct {
	flag ExtKeyUsage
	name string
	x509 x509.ExtKeyUsage
}{
	{EKUAny, "any", x509.ExtKeyUsageAny},
	{EKUServerAuth, "serverauth", x509.ExtKeyUsageServerAuth},
	{EKUClientAuth, "clientauth", x509.ExtKeyUsageClientAuth},
	{EKUCodeSigning, "codesigning", x509.ExtKeyUsageCodeSigning},
	{EKUEmailProtection, "emailprotection", x509.ExtKeyUsageEmailProtection},
	{EKUIPSECEndSystem, "ipsecendsystem", x509.ExtKeyUsageIPSECEndSystem},
	{EKUIPSECTunnel, "ipsectunnel", x509.ExtKeyUsageIPSECTunnel},
	{EKUIPSECUser, "ipsecuser", x509.ExtKeyUsageIPSECUser},
	{EKUTimeStamping, "timestamping", x509.ExtKeyUsageTimeStamping},
	{EKUOCSPSigning, "ocspsigning", x509.ExtKeyUsageOCSPSigning},
	{EKUMicrosoftServerGatedCrypto, "microsoftservergatedcrypto", x509.ExtKeyUsageMicrosoftServerGatedCrypto},
	{EKUNetscapeServerGatedCrypto, "netscapeservergatedcrypto", x509.ExtKeyUsageNetscapeServerGatedCrypto},
	{EKUMicrosoftCommercialCodeSigning, "microsoftcommercialcodesigning", x509.ExtKeyUsageMicrosoftCommercialCodeSigning},
	{EKUMicrosoftKernelCodeSigning, "microsoftkernelcodesigning", x509.ExtKeyUsageMicrosoftKernelCodeSigning},
}

// ParseExtKeyUsages reads ext_key_usage names (case-insensitive, Vault's
// spelling: ServerAuth, ClientAuth, ...). Unknown names are ignored, as
// Vault ignores them.
func ParseExtKeyUsages(names []string) ExtKeyUsage {
	var set ExtKeyUsage
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		for _, e := range ekuOrder {
			if e.name == n {
				set |= e.flag
			}
		}
	}
	return set
}

// List is the set in Vault's order.
func (e ExtKeyUsage) List() []x509.ExtKeyUsage {
	var out []x509.ExtKeyUsage
	for _, u := range ekuOrder {
		if e&u.flag != 0 {
			out = append(out, u.x509)
		}
	}
	return out
}

var keyUsageNames = map[string]x509.KeyUsage{
	"digitalsignature":  x509.KeyUsageDigitalSignature,
	"contentcommitment": x509.KeyUsageContentCommitment,
	"keyencipherment":   x509.KeyUsageKeyEncipherment,
	"dataencipherment":  x509.KeyUsageDataEncipherment,
	"keyagreement":      x509.KeyUsageKeyAgreement,
	"certsign":          x509.KeyUsageCertSign,
	"crlsign":           x509.KeyUsageCRLSign,
	"encipheronly":      x509.KeyUsageEncipherOnly,
	"decipheronly":      x509.KeyUsageDecipherOnly,
}

// ParseKeyUsages reads key_usage names (DigitalSignature, KeyAgreement,
// KeyEncipherment, ...; case-insensitive). Unknown names are ignored, as
// Vault ignores them.
func ParseKeyUsages(names []string) x509.KeyUsage {
	var ku x509.KeyUsage
	for _, n := range names {
		ku |= keyUsageNames[strings.ToLower(strings.TrimSpace(n))]
	}
	return ku
}

// ParseOID reads a dotted OID ("1.3.6.1.5.5.7.3.1").
func ParseOID(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(strings.TrimSpace(s), ".")
	oid := make(asn1.ObjectIdentifier, 0, len(parts))
	for _, p := range parts {
		n := 0
		if p == "" {
			return nil, Refusef("%q could not be parsed as a valid oid", s)
		}
		for _, c := range p {
			if c < '0' || c > '9' || n > 1<<28 {
				return nil, Refusef("%q could not be parsed as a valid oid", s)
			}
			n = n*10 + int(c-'0')
		}
		oid = append(oid, n)
	}
	if len(oid) < 2 {
		return nil, Refusef("%q could not be parsed as a valid oid", s)
	}
	return oid, nil
}
