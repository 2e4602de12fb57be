package pki

import (
	"time"

	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
)

// DecideIssued records a certificate just signed. The serial must be new:
// a certificate's aggregate starts with its issuance.
func DecideIssued(st CertState, c pkievent.Cert) ([]ledger.Event, error) {
	if st.Version != 0 {
		return nil, ErrSerialInUse
	}
	if c.Serial != st.Serial || c.IssuerID == "" {
		return nil, Invalid("certificate record does not match serial %s", st.Serial)
	}
	if c.NoStore {
		c.Certificate = ""
	}
	c.RevokedAt = time.Time{}
	return st.sequence(ledger.MakeEvent(pkievent.EventCertIssued, pkievent.CertIssued{Mount: st.Mount, Cert: c})), nil
}

// DecideRevoke records a revocation at `at`. Revoking a revoked
// certificate changes nothing (Vault answers with the first revocation
// time); an unknown serial is not found.
func DecideRevoke(st CertState, at time.Time, lease string) ([]ledger.Event, error) {
	if st.Cert == nil {
		return nil, notFound("certificate with serial %s not found", st.Serial)
	}
	if !st.Cert.RevokedAt.IsZero() {
		return nil, nil
	}
	return st.sequence(ledger.MakeEvent(pkievent.EventCertRevoked, pkievent.CertRevoked{
		Mount: st.Mount, Serial: st.Serial, IssuerID: st.Cert.IssuerID, RevokedAt: at.UTC(), Lease: lease,
	})), nil
}

// DecideTidy records that tidy forgets a certificate.
func DecideTidy(st CertState) ([]ledger.Event, error) {
	if st.Cert == nil {
		return nil, nil
	}
	return st.sequence(ledger.MakeEvent(pkievent.EventCertTidied, pkievent.CertTidied{Mount: st.Mount, Serial: st.Serial})), nil
}
