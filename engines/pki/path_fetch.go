package pki

import (
	"errors"
	"strings"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/projections/pkistore"
)

// Content types of the raw fetch paths, as Vault answers them.
const (
	contentDER      = "application/pkix-cert"
	contentPEMChain = "application/pem-certificate-chain"
)

func (b *Backend) fetchPaths() []*framework.Path {
	read := func(h framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
		return map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: h}
	}
	return []*framework.Path{
		{Pattern: `ca(?P<pem>/pem)?`, Unauthenticated: true, Synopsis: "The default issuer's certificate (DER, or PEM).", Operations: read(b.fetchCA)},
		{Pattern: `(cert/)?ca_chain`, Unauthenticated: true, Synopsis: "The default issuer's chain (PEM).", Operations: read(b.fetchCAChain)},
		{
			Pattern:         `cert/(?P<serial>[0-9A-Fa-f:-]+|ca)(?P<raw>/raw(/pem)?)?`,
			Fields:          map[string]*framework.FieldSchema{"serial": {Type: framework.TypeString, Description: "The serial, colon or dash separated hex."}},
			Unauthenticated: true,
			Synopsis:        "A certificate by serial.",
			Operations:      read(b.fetchCert),
		},
		{
			Pattern:  "certs/?",
			Synopsis: "List the serials of stored certificates.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ListOperation: func(*framework.Request) (*framework.Response, error) {
				serials, err := b.reader.Serials(b.mount.Accessor)
				return listResponse(serials), err
			}},
		},
	}
}

func (b *Backend) fetchCA(req *framework.Request) (*framework.Response, error) {
	s, err := b.signer(req.Context(), "default")
	if err != nil {
		return nil, framework.ErrNotFound
	}
	if req.Vars["pem"] != "" {
		return &framework.Response{Raw: []byte(certs.CertPEM(s.cert)), RawContentType: contentPEMChain}, nil
	}
	return &framework.Response{Raw: s.cert.Raw, RawContentType: contentDER}, nil
}

func (b *Backend) fetchCAChain(req *framework.Request) (*framework.Response, error) {
	s, err := b.signer(req.Context(), "default")
	if err != nil {
		return nil, framework.ErrNotFound
	}
	pems := append([]string{certs.CertPEM(s.cert)}, chainPEMs(s.chain)...)
	body := strings.Join(pems, "")
	if strings.HasPrefix(req.Path, "cert/") {
		return &framework.Response{Data: map[string]any{"certificate": body, "ca_chain": body}}, nil
	}
	return &framework.Response{Raw: []byte(body), RawContentType: contentPEMChain}, nil
}

// normalSerial turns any accepted serial spelling into the colon form
// certificates are stored under.
func normalSerial(s string) (string, error) {
	n, err := certs.ParseSerial(s)
	if err != nil {
		return "", framework.BadRequest("invalid serial number: %s", s)
	}
	return certs.FormatSerial(n), nil
}

func (b *Backend) fetchCert(req *framework.Request) (*framework.Response, error) {
	if req.String("serial") == "ca" {
		s, err := b.signer(req.Context(), "default")
		if err != nil {
			return nil, framework.ErrNotFound
		}
		return &framework.Response{Data: map[string]any{"certificate": certs.CertPEM(s.cert), "revocation_time": 0}}, nil
	}
	serial, err := normalSerial(req.String("serial"))
	if err != nil {
		return nil, err
	}
	c, err := b.reader.Cert(b.mount.Accessor, serial)
	if errors.Is(err, pkistore.ErrNotFound) || (err == nil && c.Certificate == "") {
		return nil, framework.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	switch req.Vars["raw"] {
	case "/raw":
		parsed, err := certs.ParseCertPEM(c.Certificate)
		if err != nil {
			return nil, err
		}
		return &framework.Response{Raw: parsed.Raw, RawContentType: contentDER}, nil
	case "/raw/pem":
		return &framework.Response{Raw: []byte(c.Certificate), RawContentType: contentPEMChain}, nil
	}
	data := map[string]any{"certificate": c.Certificate, "revocation_time": int64(0), "issuer_id": c.IssuerID}
	if !c.RevokedAt.IsZero() {
		data["revocation_time"] = c.RevokedAt.Unix()
		data["revocation_time_rfc3339"] = c.RevokedAt.Format("2006-01-02T15:04:05.999999999Z07:00")
	}
	return &framework.Response{Data: data}, nil
}
