package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/policy"
	"github.com/cofferhq/coffer/events/pkievent"
)

func (b *Backend) intermediatePaths() []*framework.Path {
	genFields := merge(subjectFields, caFields, map[string]*framework.FieldSchema{
		"exported": {Type: framework.TypeString, Description: "internal, exported or existing."},
	})
	importFields := map[string]*framework.FieldSchema{
		"certificate": {Type: framework.TypeString, Description: "The PEM bundle (set-signed)."},
		"pem_bundle":  {Type: framework.TypeString, Description: "The PEM bundle (import)."},
	}
	return []*framework.Path{
		{
			Pattern:    "intermediate/generate/" + keyTypes,
			Fields:     genFields,
			Synopsis:   "Generate an intermediate CA's key and CSR.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.generateIntermediate},
		},
		{
			Pattern:    "issuers/generate/intermediate/" + keyTypes,
			Fields:     genFields,
			Synopsis:   "Generate an intermediate CA's key and CSR.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.generateIntermediate},
		},
		{
			Pattern:    "intermediate/set-signed",
			Fields:     importFields,
			Synopsis:   "Import the signed intermediate certificate (and its chain).",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.importBundle(false)},
		},
		{
			Pattern:    `(issuers/import/(cert|bundle)|config/ca)`,
			Fields:     importFields,
			Synopsis:   "Import CA certificates and, for bundles, their keys.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.importBundle(true)},
		},
		{
			Pattern: "intermediate/cross-sign",
			Fields: merge(genFields, map[string]*framework.FieldSchema{
				"key_ref": {Type: framework.TypeString, Default: "default", Description: "The key whose certificate is cross-signed."},
			}),
			Synopsis:   "Make a CSR for an existing key, to be cross-signed by another CA.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.crossSignCSR},
		},
	}
}

// generateIntermediate makes a key (or reuses one) and a CSR; the key is
// stored, the CSR only returned, as Vault does.
func (b *Backend) generateIntermediate(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	f, kf, err := formats(req, false)
	if err != nil {
		return nil, err
	}
	d, err := policy.DecideIntermediateCSR(caOptions(req), policyRequest(req), b.limits(req, nil))
	if err != nil {
		return nil, refusal(err)
	}
	key, existing, err := b.caKey(ctx, req, d)
	if err != nil {
		return nil, err
	}
	return b.csrResponse(ctx, req, f, kf, d, key, existing)
}

func (b *Backend) csrResponse(ctx context.Context, req *framework.Request, f certs.Format, kf certs.KeyFormat, d *policy.Decision, key *certs.PrivateKey, existing *pkievent.Key) (*framework.Response, error) {
	csr, err := certs.CreateCSR(rand.Reader, d.Params, key, req.Bool("add_basic_constraints"))
	if err != nil {
		return nil, refusal(err)
	}
	keyID, keyName := "", req.String("key_name")
	if existing != nil {
		keyID, keyName = existing.ID, existing.Name
	} else {
		kc, err := b.sealNewKey(ctx, key, keyName)
		if err != nil {
			return nil, err
		}
		if err := b.storeCA(ctx, cmdpki.NewCA{Key: kc}); err != nil {
			return nil, err
		}
		keyID = kc.Key.ID
	}
	data, err := certs.CSRData(f, kf, csr, key, req.String("exported") == "exported")
	if err != nil {
		return nil, err
	}
	data["key_id"], data["key_name"] = keyID, keyName
	return &framework.Response{Data: data, Warnings: d.Warnings}, nil
}

// crossSignCSR makes a CSR over an existing key with the subject of the
// issuer using it, for another CA to cross-sign.
func (b *Backend) crossSignCSR(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	f, kf, err := formats(req, false)
	if err != nil {
		return nil, err
	}
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	k, err := resolveKey(m, req.String("key_ref"))
	if err != nil {
		return nil, err
	}
	d, err := policy.DecideIntermediateCSR(caOptions(req), policyRequest(req), b.limits(req, nil))
	if err != nil {
		return nil, refusal(err)
	}
	for _, is := range m.Issuers {
		if is.KeyID != k.ID {
			continue
		}
		c, err := certs.ParseCertPEM(is.Certificate)
		if err != nil {
			return nil, err
		}
		d.Params = certs.CrossSignParams(c, d.Params)
		break
	}
	key, err := b.openKey(ctx, k)
	if err != nil {
		return nil, err
	}
	return b.csrResponse(ctx, req, f, kf, d, key, k)
}

// importBundle is set-signed (withKeys false: the bundle's certificates
// must match keys this mount generated) and the import paths (the bundle
// may bring keys).
func (b *Backend) importBundle(withKeys bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		ctx := req.Context()
		bundle := req.String("certificate")
		if bundle == "" {
			bundle = req.String("pem_bundle")
		}
		if bundle == "" {
			return nil, framework.BadRequest("no data found in PEM bundle")
		}
		m, err := b.reader.Mount(b.mount.Accessor)
		if err != nil {
			return nil, err
		}
		var kc *pkievent.KeyCreated
		if withKeys {
			imp, err := certs.ParseImport(bundle, true)
			if err != nil {
				return nil, refusal(err)
			}
			if len(imp.Keys) > 1 {
				return nil, framework.BadRequest("only one private key may be imported at a time")
			}
			if len(imp.Keys) == 1 && !hasKey(m, imp.Keys[0].Signer.Public()) {
				if kc, err = b.sealNewKey(ctx, imp.Keys[0], ""); err != nil {
					return nil, err
				}
				kc.Key.Imported = true
			}
		}
		keyIDs, pubs, err := mountPublicKeys(m, kc)
		if err != nil {
			return nil, err
		}
		known, err := issuerCerts(m)
		if err != nil {
			return nil, err
		}
		si, err := certs.SetSigned(bundle, pubs, known)
		if err != nil {
			b.runner.Discard(ctx, kc)
			if withKeys {
				return b.importCertsOnly(req, m, bundle)
			}
			return nil, refusal(err)
		}
		c := cmdpki.NewCA{Key: kc}
		var imported []string
		mapping := map[string]string{}
		for i, cert := range si.Certs {
			if isKnown(known, cert) {
				continue
			}
			keyID := ""
			if si.KeyIndex[i] >= 0 {
				keyID = keyIDs[si.KeyIndex[i]]
			}
			chain := si.Chain
			if i != si.Issuer {
				chain = certs.BuildChain(cert, append(known, si.Certs...))
			}
			is := issuerRecord(cert, "", keyID, chain)
			c.Issuers = append(c.Issuers, is)
			imported = append(imported, is.ID)
			mapping[is.ID] = keyID
		}
		if kc != nil && len(c.Issuers) == 0 {
			b.runner.Discard(ctx, kc)
			c.Key = nil
		}
		if err := b.storeCA(ctx, c); err != nil {
			return nil, err
		}
		var importedKeys []string
		if c.Key != nil {
			importedKeys = []string{c.Key.Key.ID}
		}
		return &framework.Response{Data: map[string]any{
			"imported_issuers": imported, "imported_keys": importedKeys, "mapping": mapping,
			"existing_issuers": nil, "existing_keys": nil,
		}}, nil
	}
}

// importCertsOnly imports CA certificates without keys (issuers/import/cert
// of a parent, or a bundle whose key matched nothing).
func (b *Backend) importCertsOnly(req *framework.Request, m *pkievent.Mount, bundle string) (*framework.Response, error) {
	imp, err := certs.ParseImport(bundle, true)
	if err != nil {
		return nil, refusal(err)
	}
	known, err := issuerCerts(m)
	if err != nil {
		return nil, err
	}
	c := cmdpki.NewCA{}
	var imported []string
	for _, cert := range imp.Certs {
		if isKnown(known, cert) {
			continue
		}
		is := issuerRecord(cert, "", "", certs.BuildChain(cert, append(known, imp.Certs...)))
		c.Issuers = append(c.Issuers, is)
		imported = append(imported, is.ID)
	}
	if err := b.storeCA(req.Context(), c); err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"imported_issuers": imported, "imported_keys": nil, "mapping": map[string]string{}}}, nil
}

func hasKey(m *pkievent.Mount, pub crypto.PublicKey) bool {
	_, pubs, err := mountPublicKeys(m, nil)
	if err != nil {
		return false
	}
	for _, p := range pubs {
		if certs.PublicKeysEqual(p, pub) {
			return true
		}
	}
	return false
}

// mountPublicKeys returns the ids and public keys of the mount's keys
// (and of a key about to be created).
func mountPublicKeys(m *pkievent.Mount, extra *pkievent.KeyCreated) ([]string, []crypto.PublicKey, error) {
	var ids []string
	var pubs []crypto.PublicKey
	add := func(k *pkievent.Key) error {
		blk, _ := pem.Decode([]byte(k.PublicKey))
		if blk == nil {
			return framework.Errorf(500, "key %s has no public key", k.ID)
		}
		pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return err
		}
		ids, pubs = append(ids, k.ID), append(pubs, pub)
		return nil
	}
	for _, k := range m.Keys {
		if err := add(k); err != nil {
			return nil, nil, err
		}
	}
	if extra != nil {
		if err := add(&extra.Key); err != nil {
			return nil, nil, err
		}
	}
	return ids, pubs, nil
}

func issuerCerts(m *pkievent.Mount) ([]*x509.Certificate, error) {
	out := make([]*x509.Certificate, 0, len(m.Issuers))
	for _, is := range m.Issuers {
		c, err := certs.ParseCertPEM(is.Certificate)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func isKnown(known []*x509.Certificate, c *x509.Certificate) bool {
	for _, k := range known {
		if bytes.Equal(k.Raw, c.Raw) {
			return true
		}
	}
	return false
}
