package pki

import (
	"context"
	"crypto/x509"
	"fmt"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/events/pkievent"
)

// signer is an issuer opened for use: its record, parsed certificate and
// chain, and (when the mount holds its key) the certs.Issuer that signs.
// It is immutable once built and shared between requests.
type signer struct {
	rec   *pkievent.Issuer
	cert  *x509.Certificate
	chain []*x509.Certificate
	// is is nil when the mount holds no key for the certificate.
	is   *certs.Issuer
	urls certs.URLs
}

// resolveIssuer finds an issuer by reference: "default" (or empty), an id
// or a name.
func resolveIssuer(m *pkievent.Mount, ref string) (*pkievent.Issuer, error) {
	return resolveRef(m.Issuers, m.Config.DefaultIssuer, ref, "issuer", func(is *pkievent.Issuer) string { return is.Name })
}

// resolveKey finds a key by reference: "default", an id or a name.
func resolveKey(m *pkievent.Mount, ref string) (*pkievent.Key, error) {
	return resolveRef(m.Keys, m.Config.DefaultKey, ref, "key", func(k *pkievent.Key) string { return k.Name })
}

func resolveRef[T any](items map[string]*T, def, ref, what string, name func(*T) string) (*T, error) {
	if ref == "" || ref == "default" {
		if def == "" {
			return nil, framework.BadRequest("no default %s currently configured", what)
		}
		ref = def
	}
	if it, ok := items[ref]; ok {
		return it, nil
	}
	for _, it := range items {
		if name(it) == ref {
			return it, nil
		}
	}
	return nil, framework.BadRequest("unable to find PKI %s for reference: %s", what, ref)
}

// signer returns the opened issuer ref names, from the cache or freshly
// opened.
func (b *Backend) signer(ctx context.Context, ref string) (*signer, error) {
	b.mu.Lock()
	s, ok := b.signers[ref]
	gen := b.gen
	b.mu.Unlock()
	if ok {
		return s, nil
	}
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	rec, err := resolveIssuer(m, ref)
	if err != nil {
		return nil, err
	}
	s, err = b.openSigner(ctx, m, rec)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.gen == gen {
		b.signers[ref] = s
	}
	b.mu.Unlock()
	return s, nil
}

func (b *Backend) openSigner(ctx context.Context, m *pkievent.Mount, rec *pkievent.Issuer) (*signer, error) {
	cert, err := certs.ParseCertPEM(rec.Certificate)
	if err != nil {
		return nil, fmt.Errorf("pki: issuer %s: %w", rec.ID, err)
	}
	chain, err := parseChain(rec.CAChain)
	if err != nil {
		return nil, fmt.Errorf("pki: issuer %s chain: %w", rec.ID, err)
	}
	urls, err := toCertsURLs(m.Config.URLs).Expand(rec.ID, certs.ClusterPaths{})
	if err != nil {
		return nil, framework.BadRequest("%s", err.Error())
	}
	s := &signer{rec: rec, cert: cert, chain: chain, urls: urls}
	if rec.KeyID != "" {
		k, ok := m.Keys[rec.KeyID]
		if !ok {
			return s, nil
		}
		key, err := b.openKey(ctx, k)
		if err != nil {
			return nil, err
		}
		s.is = &certs.Issuer{Cert: cert, Signer: key.Signer, Chain: chain}
	}
	return s, nil
}

// openKey opens a key's private key.
func (b *Backend) openKey(ctx context.Context, k *pkievent.Key) (*certs.PrivateKey, error) {
	der, err := b.runner.OpenKey(ctx, k)
	if err == cmdpki.ErrErased {
		return nil, framework.Errorf(500, "key %s has no key material: its data key was erased", k.ID)
	}
	if err != nil {
		return nil, err
	}
	return certs.ParsePrivateKeyDER(der)
}

// signing returns the issuer ref names, which must be able to sign.
func (b *Backend) signing(ctx context.Context, ref string) (*signer, error) {
	s, err := b.signer(ctx, ref)
	if err != nil {
		return nil, err
	}
	if s.is == nil {
		return nil, framework.BadRequest("issuer %s has no private key in this mount; it cannot sign", s.rec.ID)
	}
	return s, nil
}

func parseChain(pems []string) ([]*x509.Certificate, error) {
	out := make([]*x509.Certificate, 0, len(pems))
	for _, p := range pems {
		c, err := certs.ParseCertPEM(p)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func chainPEMs(chain []*x509.Certificate) []string {
	out := make([]string, 0, len(chain))
	for _, c := range chain {
		out = append(out, certs.CertPEM(c))
	}
	return out
}

func toCertsURLs(u pkievent.URLs) certs.URLs {
	return certs.URLs{
		IssuingCertificates: u.IssuingCertificates, CRLDistributionPoints: u.CRLDistributionPoints,
		DeltaCRLDistributionPoints: u.DeltaCRLDistributionPoints, OCSPServers: u.OCSPServers,
		EnableTemplating: u.EnableTemplating,
	}
}

func fromCertsURLs(u certs.URLs) pkievent.URLs {
	return pkievent.URLs{
		IssuingCertificates: u.IssuingCertificates, CRLDistributionPoints: u.CRLDistributionPoints,
		DeltaCRLDistributionPoints: u.DeltaCRLDistributionPoints, OCSPServers: u.OCSPServers,
		EnableTemplating: u.EnableTemplating,
	}
}
