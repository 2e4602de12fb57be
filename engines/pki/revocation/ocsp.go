package revocation

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"time"

	"golang.org/x/crypto/ocsp"
)

// MaxOCSPRequest is the largest OCSP request accepted (Vault's limit; a
// simple request is under 100 bytes).
const MaxOCSPRequest = 2048

// OCSPContentType is the media type of OCSP requests and responses.
const OCSPContentType = "application/ocsp-response"

// ErrOCSPRequest is matched when an OCSP request cannot be read.
var ErrOCSPRequest = errors.New("pki: malformed OCSP request")

// DecodeGET reads the request of GET /v1/<mount>/ocsp/<base64>: standard
// base64 of the DER request (the path after ocsp/, already URL-decoded;
// it may contain '/').
func DecodeGET(b64 string) ([]byte, error) {
	if b64 == "" {
		return nil, errors.Join(ErrOCSPRequest, errors.New("no base64 encoded ocsp request was found"))
	}
	if len(b64) >= MaxOCSPRequest {
		return nil, errors.Join(ErrOCSPRequest, errors.New("request is too large"))
	}
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.Join(ErrOCSPRequest, err)
	}
	return der, nil
}

// OCSPIssuer is an issuer of the mount as the responder sees it.
type OCSPIssuer struct {
	// ID identifies the issuer to Lookup's Status.IssuerID.
	ID   string
	Cert *x509.Certificate
	// Signer is the issuer's key; an issuer without one is skipped.
	Signer crypto.Signer
	// NoOCSPUsage is an issuer whose usage excludes ocsp-signing.
	NoOCSPUsage bool
	// SignatureAlgorithm overrides the key's default (PSS becomes
	// PKCS#1 v1.5, which OCSP clients expect, as Vault does).
	SignatureAlgorithm x509.SignatureAlgorithm
}

// Status is what the engine knows of a serial.
type Status struct {
	// State is ocsp.Good, ocsp.Revoked or ocsp.Unknown.
	State     int
	RevokedAt time.Time
	// IssuerID is the issuer recorded on the revocation, if known; the
	// responder then answers only for that issuer.
	IssuerID string
}

// Responder is the configuration of one OCSP answer.
type Responder struct {
	Issuers []OCSPIssuer
	// Default indexes Issuers' default issuer (config/issuers), -1 none:
	// it signs "unknown" for requests naming an issuer the mount lacks.
	Default int
	// Lookup tells the status of a serial. Vault's is Good unless the
	// serial is on the revocation list.
	Lookup func(serial *big.Int) Status
	Now    time.Time
	// Expiry is ocsp_expiry: NextUpdate = Now + Expiry, none when 0.
	Expiry time.Duration
	// Disabled is ocsp_disable.
	Disabled bool
}

// Answer handles one DER OCSP request and returns the HTTP status and
// body: 200 with a signed response, or RFC 6960's error responses (400
// malformed, 401 unauthorized, 500 internal error) as Vault sends them.
func (r Responder) Answer(der []byte) (int, []byte) {
	if r.Disabled {
		return http.StatusUnauthorized, ocsp.UnauthorizedErrorResponse
	}
	if len(der) == 0 || len(der) >= MaxOCSPRequest {
		return http.StatusBadRequest, ocsp.MalformedRequestErrorResponse
	}
	req, err := ocsp.ParseRequest(der)
	if err != nil {
		return http.StatusBadRequest, ocsp.MalformedRequestErrorResponse
	}
	if !req.HashAlgorithm.Available() {
		return http.StatusInternalServerError, ocsp.InternalErrorErrorResponse
	}
	status := r.Lookup(req.SerialNumber)
	iss, found, noUsage := r.match(req, status.IssuerID)
	if !found {
		if noUsage {
			return http.StatusUnauthorized, ocsp.UnauthorizedErrorResponse
		}
		return r.unknown(req)
	}
	body, err := sign(iss, req, status, r.Now, r.Expiry)
	if err != nil {
		return http.StatusInternalServerError, ocsp.InternalErrorErrorResponse
	}
	return http.StatusOK, body
}

// match finds the issuer whose name and key hashes the request carries.
func (r Responder) match(req *ocsp.Request, onlyID string) (iss OCSPIssuer, found, noUsage bool) {
	for _, cand := range r.Issuers {
		if onlyID != "" && cand.ID != onlyID {
			continue
		}
		if cand.Signer == nil || !requestNames(req, cand.Cert) {
			continue
		}
		if cand.NoOCSPUsage {
			noUsage = true
			continue
		}
		return cand, true, false
	}
	return OCSPIssuer{}, false, noUsage
}

// unknown answers a request for an issuer this mount does not have:
// "unknown", signed by the default issuer, or unauthorized without one.
func (r Responder) unknown(req *ocsp.Request) (int, []byte) {
	if r.Default < 0 || r.Default >= len(r.Issuers) {
		return http.StatusUnauthorized, ocsp.UnauthorizedErrorResponse
	}
	def := r.Issuers[r.Default]
	if def.Signer == nil || def.NoOCSPUsage {
		return http.StatusUnauthorized, ocsp.UnauthorizedErrorResponse
	}
	body, err := sign(def, req, Status{State: ocsp.Unknown}, r.Now, r.Expiry)
	if err != nil {
		return http.StatusInternalServerError, ocsp.InternalErrorErrorResponse
	}
	return http.StatusOK, body
}

// requestNames reports whether the request's issuer name and key hashes
// are cert's.
func requestNames(req *ocsp.Request, cert *x509.Certificate) bool {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	h := req.HashAlgorithm.New()
	h.Write(spki.PublicKey.RightAlign())
	keyHash := h.Sum(nil)
	h.Reset()
	h.Write(cert.RawSubject)
	nameHash := h.Sum(nil)
	return bytes.Equal(req.IssuerKeyHash, keyHash) && bytes.Equal(req.IssuerNameHash, nameHash)
}

func sign(iss OCSPIssuer, req *ocsp.Request, st Status, now time.Time, expiry time.Duration) ([]byte, error) {
	alg := iss.SignatureAlgorithm
	switch alg {
	case x509.SHA256WithRSAPSS:
		alg = x509.SHA256WithRSA
	case x509.SHA384WithRSAPSS:
		alg = x509.SHA384WithRSA
	case x509.SHA512WithRSAPSS:
		alg = x509.SHA512WithRSA
	}
	tmpl := ocsp.Response{
		IssuerHash:         req.HashAlgorithm,
		Status:             st.State,
		SerialNumber:       req.SerialNumber,
		ThisUpdate:         now,
		SignatureAlgorithm: alg,
	}
	if expiry > 0 {
		tmpl.NextUpdate = now.Add(expiry)
	}
	if st.State == ocsp.Revoked {
		tmpl.RevokedAt = st.RevokedAt
		tmpl.RevocationReason = ocsp.Unspecified
	}
	return ocsp.CreateResponse(iss.Cert, iss.Cert, tmpl, iss.Signer)
}
