package certs

import "crypto/x509"

// Vault's warnings on a newly generated or signed CA certificate.
const (
	NoSubjectWarning     = "This issuer certificate was generated without a Subject; this makes it likely that issuing leaf certs with this certificate will cause TLS validation libraries to reject this certificate."
	NoAIAWarning         = "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information."
	RootMaxPathZero      = "Max path length of the generated certificate is zero. This certificate cannot be used to issue intermediate CA certificates."
	SignedMaxPathZero    = "Max path length of the signed certificate is zero. This certificate cannot be used to issue intermediate CA certificates."
	IntermediateNoAIACSR = "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information. Since this certificate is an intermediate, it might be useful to regenerate this certificate after fixing this problem for the root mount."
)

// CAWarnings are Vault's warnings about a CA certificate just made by
// root/generate (generated=true) or root/sign-intermediate: no subject, no
// AIA information, a path length of zero.
func CAWarnings(c *x509.Certificate, generated bool) []string {
	var w []string
	// A subject is a SEQUENCE of SETs; two bytes is the empty SEQUENCE.
	if len(c.RawSubject) <= 2 {
		w = append(w, NoSubjectWarning)
	}
	if len(c.OCSPServer) == 0 && len(c.IssuingCertificateURL) == 0 && len(c.CRLDistributionPoints) == 0 {
		w = append(w, NoAIAWarning)
	}
	if c.MaxPathLen == 0 {
		if generated {
			w = append(w, RootMaxPathZero)
		} else {
			w = append(w, SignedMaxPathZero)
		}
	}
	return w
}
