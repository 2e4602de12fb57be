package pki

import (
	"errors"
	"math/big"
	"net/http"

	"golang.org/x/crypto/ocsp"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/revocation"
	"github.com/cofferhq/coffer/projections/pkistore"
)

// ocspRequestType is the media type of a POSTed OCSP request.
const ocspRequestType = "application/ocsp-request"

func (b *Backend) ocspPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern:         `(unified-)?ocsp/(?P<req>.+)`,
		Fields:          map[string]*framework.FieldSchema{"req": {Type: framework.TypeString, Description: "The base64 DER OCSP request."}},
		Unauthenticated: true,
		Synopsis:        "The OCSP responder (RFC 6960 GET).",
		Operations:      map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.ocspGET},
	}, {
		// openssl ocsp -url and most OCSP clients POST the DER request.
		Pattern:         `(unified-)?ocsp`,
		Unauthenticated: true,
		RawBody:         []string{ocspRequestType},
		Synopsis:        "The OCSP responder (RFC 6960 POST, application/ocsp-request).",
		Operations:      map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.ocspPOST},
	}}
}

// ocspMalformed is RFC 6960's malformedRequest answer.
func ocspMalformed() *framework.Response {
	return &framework.Response{StatusCode: http.StatusBadRequest, Raw: ocsp.MalformedRequestErrorResponse, RawContentType: revocation.OCSPContentType}
}

func (b *Backend) ocspGET(req *framework.Request) (*framework.Response, error) {
	raw, err := revocation.DecodeGET(req.Vars["req"])
	if err != nil {
		return ocspMalformed(), nil
	}
	return b.ocsp(req, raw)
}

// ocspPOST takes the DER request as the body; a body that is not one
// (another media type, empty, over Vault's size limit) is malformed.
func (b *Backend) ocspPOST(req *framework.Request) (*framework.Response, error) {
	if len(req.RawBody) == 0 || len(req.RawBody) > revocation.MaxOCSPRequest {
		return ocspMalformed(), nil
	}
	return b.ocsp(req, req.RawBody)
}

// ocsp answers a DER OCSP request with every issuer holding a key as a
// possible signer.
func (b *Backend) ocsp(req *framework.Request, raw []byte) (*framework.Response, error) {
	ctx := req.Context()
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	cfg := crlConfig(m)
	d, err := cfg.Validate()
	if err != nil {
		return nil, refusal(err)
	}
	r := revocation.Responder{Default: -1, Now: b.ctxNow(), Expiry: d.OCSPExpiry, Disabled: cfg.OCSPDisable}
	for id := range m.Issuers {
		s, err := b.signer(ctx, id)
		if err != nil {
			return nil, err
		}
		if s.is == nil {
			continue
		}
		if id == m.Config.DefaultIssuer {
			r.Default = len(r.Issuers)
		}
		r.Issuers = append(r.Issuers, revocation.OCSPIssuer{ID: id, Cert: s.cert, Signer: s.is.Signer})
	}
	var lookupErr error
	r.Lookup = func(serial *big.Int) revocation.Status {
		c, err := b.reader.Cert(b.mount.Accessor, certs.FormatSerial(serial))
		if errors.Is(err, pkistore.ErrNotFound) {
			return revocation.Status{State: ocsp.Good}
		}
		if err != nil {
			lookupErr = err
			return revocation.Status{State: ocsp.Unknown}
		}
		if c.RevokedAt.IsZero() {
			return revocation.Status{State: ocsp.Good, IssuerID: c.IssuerID}
		}
		return revocation.Status{State: ocsp.Revoked, RevokedAt: c.RevokedAt, IssuerID: c.IssuerID}
	}
	status, body := r.Answer(raw)
	if lookupErr != nil {
		return nil, lookupErr
	}
	return &framework.Response{StatusCode: status, Raw: body, RawContentType: revocation.OCSPContentType}, nil
}
