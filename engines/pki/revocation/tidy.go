package revocation

import (
	"math/big"
	"time"
)

// DefaultSafetyBuffer is tidy's safety_buffer: how long past expiry a
// certificate is kept.
const DefaultSafetyBuffer = 72 * time.Hour

// StoredCert is what tidy needs of a stored certificate.
type StoredCert struct {
	Serial   *big.Int
	NotAfter time.Time
	Revoked  bool
}

// TidyOptions are tidy's switches and buffers.
type TidyOptions struct {
	CertStore    bool          // tidy_cert_store
	RevokedCerts bool          // tidy_revoked_certs
	SafetyBuffer time.Duration // safety_buffer (72h when zero)
	// RevokedSafetyBuffer is revoked_safety_buffer; nil uses SafetyBuffer.
	RevokedSafetyBuffer *time.Duration
}

// TidyPlan is what a tidy run removes.
type TidyPlan struct {
	// Certs are certificates to delete from the store.
	Certs []*big.Int
	// Revoked are revocation entries to drop (their certificates are in
	// Certs too); the CRL must be rebuilt when there are any.
	Revoked []*big.Int
}

// Tidy decides, as Vault's tidy does, which certificates expired long
// enough ago to be forgotten: unrevoked ones (tidy_cert_store) past
// safety_buffer, revoked ones (tidy_revoked_certs) past
// revoked_safety_buffer, after which they also leave the CRL — an expired
// certificate needs no revocation entry.
func Tidy(stored []StoredCert, now time.Time, o TidyOptions) TidyPlan {
	buffer := o.SafetyBuffer
	if buffer <= 0 {
		buffer = DefaultSafetyBuffer
	}
	revokedBuffer := buffer
	if o.RevokedSafetyBuffer != nil {
		revokedBuffer = *o.RevokedSafetyBuffer
	}
	var plan TidyPlan
	for _, c := range stored {
		age := now.Sub(c.NotAfter)
		switch {
		case !c.Revoked && o.CertStore && age > buffer:
			plan.Certs = append(plan.Certs, c.Serial)
		case c.Revoked && o.RevokedCerts && age > revokedBuffer:
			plan.Certs = append(plan.Certs, c.Serial)
			plan.Revoked = append(plan.Revoked, c.Serial)
		}
	}
	return plan
}
