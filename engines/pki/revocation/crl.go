package revocation

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"time"

	"github.com/cofferhq/coffer/engines/pki/certs"
)

// Entry is one revoked certificate.
type Entry struct {
	Serial    *big.Int
	RevokedAt time.Time
}

// CRL is what a CRL is built from.
type CRL struct {
	// Issuer signs the CRL; its certificate must allow CRL signing.
	Issuer *certs.Issuer
	// Number is the CRL number (monotonic per issuer, shared by complete
	// and delta CRLs).
	Number int64
	// ThisUpdate is the build time; NextUpdate is ThisUpdate + Lifetime
	// (config/crl expiry).
	ThisUpdate time.Time
	Lifetime   time.Duration
	// Entries are the revoked certificates listed. An empty list is a
	// valid (empty) CRL, which Vault also publishes when CRLs are disabled.
	Entries []Entry
	// Delta makes a delta CRL over the complete CRL numbered BaseNumber.
	Delta      bool
	BaseNumber int64
	// DeltaURLs are written into a complete CRL as its Freshest CRL
	// extension (config/urls delta_crl_distribution_points).
	DeltaURLs []string
	// SignatureAlgorithm overrides the issuer key's default (an issuer's
	// revocation_signature_algorithm).
	SignatureAlgorithm x509.SignatureAlgorithm
}

// ErrCRL is matched by CRL build failures.
var ErrCRL = errors.New("pki: error creating CRL")

// BuildCRL signs a CRL and returns its DER. Entries are written in serial
// order so the same list always gives the same CRL body.
func BuildCRL(random io.Reader, in CRL) ([]byte, error) {
	if in.Issuer == nil || in.Issuer.Cert == nil || in.Issuer.Signer == nil {
		return nil, fmt.Errorf("%w: no issuer key to sign with", ErrCRL)
	}
	if in.Lifetime <= 0 {
		return nil, fmt.Errorf("%w: CRL lifetime must be positive", ErrCRL)
	}
	entries := slices.Clone(in.Entries)
	slices.SortFunc(entries, func(a, b Entry) int { return a.Serial.Cmp(b.Serial) })
	list := make([]x509.RevocationListEntry, 0, len(entries))
	for _, e := range entries {
		list = append(list, x509.RevocationListEntry{SerialNumber: e.Serial, RevocationTime: e.RevokedAt.UTC()})
	}
	var exts []pkix.Extension
	if in.Delta {
		ext, err := DeltaCRLIndicator(in.BaseNumber)
		if err != nil {
			return nil, err
		}
		exts = append(exts, ext)
	} else if len(in.DeltaURLs) > 0 {
		ext, err := certs.FreshestCRLExtension(in.DeltaURLs)
		if err != nil {
			return nil, err
		}
		exts = append(exts, ext)
	}
	tmpl := &x509.RevocationList{
		RevokedCertificateEntries: list,
		Number:                    big.NewInt(in.Number),
		ThisUpdate:                in.ThisUpdate.UTC(),
		NextUpdate:                in.ThisUpdate.Add(in.Lifetime).UTC(),
		SignatureAlgorithm:        in.SignatureAlgorithm,
		ExtraExtensions:           exts,
	}
	der, err := x509.CreateRevocationList(random, tmpl, in.Issuer.Cert, in.Issuer.Signer)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCRL, err)
	}
	return der, nil
}

// DeltaCRLIndicator is the critical extension that makes a CRL a delta
// over the complete CRL numbered base (RFC 5280 5.2.4).
func DeltaCRLIndicator(base int64) (pkix.Extension, error) {
	val, err := asn1.Marshal(big.NewInt(base))
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("%w: marshal delta CRL indicator: %w", ErrCRL, err)
	}
	return pkix.Extension{Id: certs.OIDDeltaCRLIndicator, Critical: true, Value: val}, nil
}

// DeltaBase returns the base CRL number of a parsed delta CRL, and false
// for a complete CRL.
func DeltaBase(rl *x509.RevocationList) (int64, bool) {
	for _, e := range rl.Extensions {
		if e.Id.Equal(certs.OIDDeltaCRLIndicator) {
			var n *big.Int
			if _, err := asn1.Unmarshal(e.Value, &n); err != nil || !n.IsInt64() {
				return 0, false
			}
			return n.Int64(), true
		}
	}
	return 0, false
}

// DeltaEntries are the entries a delta CRL lists: those revoked after the
// complete CRL it is based on was built.
func DeltaEntries(all []Entry, sinceComplete time.Time) []Entry {
	var out []Entry
	for _, e := range all {
		if e.RevokedAt.After(sinceComplete) {
			out = append(out, e)
		}
	}
	return out
}

// CRLPEM is a CRL as crl/pem serves it.
func CRLPEM(der []byte) string {
	return pemString("X509 CRL", der)
}
