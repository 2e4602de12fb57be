package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"

	cmdmount "github.com/cofferhq/coffer/commands/mount"
	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/policy"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
)

// newID returns a random UUID (version 4), the form of Vault's issuer and
// key ids.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("pki: random: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// limits are the mount's TTL bounds (the system's when unset) and, with
// a signer, the issuer's.
func (b *Backend) limits(req *framework.Request, s *signer) policy.Limits {
	def, max := req.MountConfig.DefaultLeaseTTL, req.MountConfig.MaxLeaseTTL
	if max <= 0 {
		max = cmdmount.SystemMaxLeaseTTL
	}
	if def <= 0 || def > max {
		def = min(cmdmount.SystemDefaultLeaseTTL, max)
	}
	lim := policy.Limits{Now: b.ctxNow(), DefaultTTL: def, MaxTTL: max}
	if s != nil {
		lim.Issuer, lim.LeafNotAfterBehavior, lim.URLs = s.cert, s.rec.LeafNotAfterBehavior, s.urls
	}
	return lim
}

// listResponse is a LIST answer; an empty list is Vault's 404.
func listResponse(keys []string) *framework.Response {
	if len(keys) == 0 {
		return nil
	}
	return &framework.Response{Data: map[string]any{"keys": keys}}
}

// certRecord is the event record of a certificate just signed; pem is
// its PEM when the caller has encoded it already, else "".
func certRecord(c *x509.Certificate, pem, issuerID, role string, noStore bool) pkievent.Cert {
	rec := pkievent.Cert{
		Serial: certs.FormatSerial(c.SerialNumber), IssuerID: issuerID, Role: role,
		CommonName: c.Subject.CommonName, DNSNames: c.DNSNames,
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), NoStore: noStore,
	}
	if !noStore {
		if pem == "" {
			pem = certs.CertPEM(c)
		}
		rec.Certificate = pem
	}
	return rec
}

// record appends the issuance of c (pem as for certRecord).
func (b *Backend) record(ctx context.Context, c *x509.Certificate, pem, issuerID, role string, noStore bool) error {
	return b.runner.Issued(ctx, certRecord(c, pem, issuerID, role, noStore))
}

// issuerRecord is a new issuer's record for a CA certificate.
func issuerRecord(c *x509.Certificate, name, keyID string, chain []*x509.Certificate) pkievent.Issuer {
	return pkievent.Issuer{
		ID: newID(), Name: name, KeyID: keyID, Certificate: certs.CertPEM(c), CAChain: chainPEMs(chain),
		LeafNotAfterBehavior: "err", Usage: cmdpki.DefaultIssuerUsage,
		Serial: certs.FormatSerial(c.SerialNumber), Subject: c.Subject.String(), NotAfter: c.NotAfter.UTC(),
	}
}

// keyRecord is a key's public record, ready to be sealed.
func keyRecord(k *certs.PrivateKey, name string) (pkievent.Key, []byte, error) {
	pkcs8, err := k.PKCS8()
	if err != nil {
		return pkievent.Key{}, nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(k.Signer.Public())
	if err != nil {
		return pkievent.Key{}, nil, err
	}
	return pkievent.Key{
		ID: newID(), Name: name, Type: k.Type, Bits: k.Bits(),
		PublicKey: pemBlock("PUBLIC KEY", pub),
	}, pkcs8, nil
}

func pemBlock(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// ledgerEvent shortens decide callbacks' signatures.
type ledgerEvent = ledger.Event
