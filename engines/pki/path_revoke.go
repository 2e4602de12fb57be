package pki

import (
	"crypto/x509"
	"errors"
	"sort"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/projections/pkistore"
)

func (b *Backend) revokePaths() []*framework.Path {
	fields := map[string]*framework.FieldSchema{
		"serial_number": {Type: framework.TypeString, Description: "The serial to revoke."},
		"certificate":   {Type: framework.TypeString, Description: "The PEM certificate to revoke."},
		"private_key":   {Type: framework.TypeString, Description: "revoke-with-key: the certificate's private key."},
	}
	return []*framework.Path{
		{
			Pattern: `revoke`, Fields: fields, Synopsis: "Revoke a certificate by serial or PEM.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.revoke(false)},
		},
		{
			Pattern: `revoke-with-key`, Fields: fields, Synopsis: "Revoke a certificate, proving possession of its key.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.revoke(true)},
		},
		{
			Pattern:    `certs/revoked/?`,
			Synopsis:   "List the serials of revoked certificates.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ListOperation: b.listRevoked},
		},
	}
}

// revoke revokes a certificate named by serial_number or certificate;
// revoke-with-key also needs its private key.
func (b *Backend) revoke(withKey bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		serialIn, pemIn := req.String("serial_number"), req.String("certificate")
		if (serialIn == "") == (pemIn == "") {
			return nil, framework.BadRequest("must provide either the certificate or the serial to revoke")
		}
		var given *x509.Certificate
		if pemIn != "" {
			c, err := certs.ParseCertPEM(pemIn)
			if err != nil {
				return nil, framework.BadRequest("certificate could not be parsed: %v", err)
			}
			given, serialIn = c, certs.FormatSerial(c.SerialNumber)
		}
		serial, err := normalSerial(serialIn)
		if err != nil {
			return nil, err
		}
		rec, err := b.reader.Cert(b.mount.Accessor, serial)
		if errors.Is(err, pkistore.ErrNotFound) {
			return nil, framework.BadRequest("certificate with serial %s not found", serial)
		}
		if err != nil {
			return nil, err
		}
		if given != nil && rec.Certificate != "" && rec.Certificate != certs.CertPEM(given) {
			return nil, framework.BadRequest("certificate with serial %s does not match the stored certificate", serial)
		}
		if withKey {
			if err := checkPossession(req.String("private_key"), given, rec.Certificate); err != nil {
				return nil, err
			}
		}
		if m, err := b.reader.Mount(b.mount.Accessor); err == nil {
			if is, ok := m.Issuers[rec.IssuerID]; ok && is.Serial == serial {
				return nil, framework.BadRequest("adding issuer (id: %s) to its own CRL is not allowed", is.ID)
			}
		}
		at, err := b.runner.Revoke(req.Context(), serial, "")
		if err != nil {
			return nil, err
		}
		return &framework.Response{Data: map[string]any{
			"revocation_time": at.Unix(), "revocation_time_rfc3339": at.Format("2006-01-02T15:04:05.999999999Z07:00"), "state": "revoked",
		}}, nil
	}
}

func checkPossession(keyPEM string, given *x509.Certificate, stored string) error {
	if keyPEM == "" {
		return framework.BadRequest("must provide private_key to revoke-with-key")
	}
	key, err := certs.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return framework.BadRequest("failed to parse private key: %v", err)
	}
	c := given
	if c == nil {
		if c, err = certs.ParseCertPEM(stored); err != nil {
			return framework.BadRequest("certificate is not stored; supply it to revoke-with-key")
		}
	}
	if certs.KeyMatchesCert(key.Signer, c) != nil {
		return framework.BadRequest("failed to validate private key match with certificate: private key does not match certificate")
	}
	return nil
}

func (b *Backend) listRevoked(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	var serials []string
	for id := range m.Issuers {
		rs, err := b.reader.RevokedBy(b.mount.Accessor, id)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			serials = append(serials, r.Serial)
		}
	}
	sort.Strings(serials)
	return listResponse(serials), nil
}
