package pki

import (
	"context"
	"crypto/rand"
	"net/http"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/policy"
	"github.com/cofferhq/coffer/events/pkievent"
)

// keyTypes are the {type} of the generate paths.
const keyTypes = `(?P<exported>internal|exported|existing|kms)`

func (b *Backend) rootPaths() []*framework.Path {
	genFields := merge(subjectFields, caFields, map[string]*framework.FieldSchema{
		"exported": {Type: framework.TypeString, Description: "internal, exported or existing."},
	})
	signFields := merge(subjectFields, caFields, map[string]*framework.FieldSchema{
		"csr":            {Type: framework.TypeString, Required: true, Description: "The PEM CSR to sign."},
		"use_csr_values": {Type: framework.TypeBool, Description: "Copy the CSR's subject and extensions."},
		"skid":           {Type: framework.TypeString, Description: "Subject key id (cross-signing)."},
		"issuer_ref":     {Type: framework.TypeString, Default: "default", Description: "The issuer that signs."},
	})
	return []*framework.Path{
		{
			Pattern:    "root/generate/" + keyTypes,
			Fields:     genFields,
			Synopsis:   "Generate a self-signed root CA.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.generateRoot},
		},
		{
			Pattern:    `issuers/generate/root/` + keyTypes,
			Fields:     genFields,
			Synopsis:   "Generate a self-signed root CA.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.generateRoot},
		},
		{
			Pattern:    "root/sign-intermediate",
			Fields:     signFields,
			Synopsis:   "Sign an intermediate CA's CSR.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.signIntermediate},
		},
		{
			Pattern:    `issuer/(?P<issuer_ref>[^/]+)/sign-intermediate`,
			Fields:     signFields,
			Synopsis:   "Sign an intermediate CA's CSR with this issuer.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.signIntermediate},
		},
		{
			Pattern: "root/sign-self-issued",
			Fields: map[string]*framework.FieldSchema{
				"certificate": {Type: framework.TypeString, Required: true, Description: "The PEM self-issued CA certificate."},
				"require_matching_certificate_algorithms": {Type: framework.TypeBool, Description: "Refuse a signer of another key type."},
				"issuer_ref": {Type: framework.TypeString, Default: "default", Description: "The issuer that signs."},
			},
			Sudo:       true,
			Synopsis:   "Re-sign a self-issued CA certificate.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.signSelfIssued},
		},
		{
			Pattern:    `root/rotate/` + keyTypes,
			Fields:     genFields,
			Synopsis:   "Generate a new root beside the current one (not made default).",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.rotateRoot},
		},
		{
			Pattern:    "root",
			Sudo:       true,
			Synopsis:   "Delete every issuer and key of the mount (keys are erased).",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.DeleteOperation: b.deleteRoot},
		},
		{
			Pattern: "root/replace",
			Fields: map[string]*framework.FieldSchema{
				"default": {Type: framework.TypeString, Default: "next", Description: "The issuer to make the default."},
			},
			Synopsis:   "Make another issuer the default.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.replaceRoot},
		},
	}
}

// caKey returns the key a CA path uses: a new one, or for type existing
// the key key_ref names.
func (b *Backend) caKey(ctx context.Context, req *framework.Request, d *policy.Decision) (key *certs.PrivateKey, existing *pkievent.Key, err error) {
	if req.String("exported") == "existing" {
		m, err := b.reader.Mount(b.mount.Accessor)
		if err != nil {
			return nil, nil, err
		}
		k, err := resolveKey(m, req.String("key_ref"))
		if err != nil {
			return nil, nil, err
		}
		key, err := b.openKey(ctx, k)
		return key, k, err
	}
	if req.String("exported") == "kms" {
		return nil, nil, framework.BadRequest("managed keys are not supported")
	}
	key, err = certs.GenerateKey(rand.Reader, d.KeyType, d.KeyBits)
	return key, nil, refusal(err)
}

// sealNewKey makes the creation event of a newly generated key.
func (b *Backend) sealNewKey(ctx context.Context, key *certs.PrivateKey, name string) (*pkievent.KeyCreated, error) {
	rec, pkcs8, err := keyRecord(key, name)
	if err != nil {
		return nil, err
	}
	return b.runner.SealKey(ctx, rec, pkcs8)
}

func (b *Backend) generateRoot(req *framework.Request) (*framework.Response, error) {
	return b.newRoot(req, false)
}

func (b *Backend) rotateRoot(req *framework.Request) (*framework.Response, error) {
	return b.newRoot(req, true)
}

// newRoot generates a self-signed root and stores its key and issuer. A
// rotation never becomes the default by itself (root/replace does that).
func (b *Backend) newRoot(req *framework.Request, rotation bool) (*framework.Response, error) {
	ctx := req.Context()
	f, kf, err := formats(req, false)
	if err != nil {
		return nil, err
	}
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	lim := b.limits(req, nil)
	urls, warnings, err := toCertsURLs(m.Config.URLs).ExpandForRoot(certs.ClusterPaths{})
	if err != nil {
		return nil, refusal(err)
	}
	lim.URLs = urls
	d, err := policy.DecideRoot(caOptions(req), policyRequest(req), lim)
	if err != nil {
		return nil, refusal(err)
	}
	key, existing, err := b.caKey(ctx, req, d)
	if err != nil {
		return nil, err
	}
	issued, err := certs.SelfSign(rand.Reader, d.Params, key)
	if err != nil {
		return nil, refusal(err)
	}
	c := cmdpki.NewCA{}
	keyID, keyName := "", req.String("key_name")
	if existing != nil {
		keyID, keyName = existing.ID, existing.Name
	} else {
		if c.Key, err = b.sealNewKey(ctx, key, keyName); err != nil {
			return nil, err
		}
		keyID = c.Key.Key.ID
	}
	is := issuerRecord(issued.Cert, req.String("issuer_name"), keyID, nil)
	c.Issuers = []pkievent.Issuer{is}
	if err := b.storeCA(ctx, c); err != nil {
		return nil, err
	}
	if err := b.record(ctx, issued.Cert, "", is.ID, "", false); err != nil {
		return nil, err
	}
	data, err := certs.RootData(f, kf, issued, req.String("exported") == "exported")
	if err != nil {
		return nil, err
	}
	data["issuer_id"], data["issuer_name"], data["key_id"], data["key_name"] = is.ID, is.Name, keyID, keyName
	resp := &framework.Response{Data: data, Warnings: append(append(warnings, d.Warnings...), certs.CAWarnings(issued.Cert, true)...)}
	return resp, nil
}

// storeCA stores new CA material and drops the opened issuers. With
// keepDefault a mount that has a default issuer keeps it.
func (b *Backend) storeCA(ctx context.Context, c cmdpki.NewCA) error {
	err := b.runner.NewCA(ctx, c)
	b.invalidate(ctx, pkievent.KindMount, b.mount.Accessor)
	return err
}

func (b *Backend) signIntermediate(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	f, _, err := formats(req, true)
	if err != nil {
		return nil, err
	}
	s, err := b.signing(ctx, req.String("issuer_ref"))
	if err != nil {
		return nil, err
	}
	if req.String("csr") == "" {
		return nil, framework.BadRequest("missing csr")
	}
	d, err := policy.DecideSignIntermediate(caOptions(req), policyRequest(req), req.Bool("use_csr_values"), b.limits(req, s))
	if err != nil {
		return nil, refusal(err)
	}
	issued, err := certs.SignCSR(rand.Reader, d.Params, d.CSR, s.is, d.UseCSRValues)
	if err != nil {
		return nil, refusal(err)
	}
	if err := b.record(ctx, issued.Cert, "", s.rec.ID, "", false); err != nil {
		return nil, err
	}
	return &framework.Response{Data: certs.SignIntermediateData(f, issued), Warnings: d.Warnings}, nil
}

func (b *Backend) signSelfIssued(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	s, err := b.signing(ctx, req.String("issuer_ref"))
	if err != nil {
		return nil, err
	}
	c, err := certs.SignSelfIssued(rand.Reader, req.String("certificate"), s.is, s.urls, req.Bool("require_matching_certificate_algorithms"))
	if err != nil {
		return nil, refusal(err)
	}
	if err := b.record(ctx, c, "", s.rec.ID, "", false); err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"certificate": certs.CertPEM(c), "issuing_ca": certs.CertPEM(s.cert)}}, nil
}

// replaceRoot makes another issuer the default ("next": the newest
// issuer with a key that is not the default).
func (b *Backend) replaceRoot(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	ref := req.String("default")
	var target *pkievent.Issuer
	if ref == "next" {
		for _, is := range m.Issuers {
			if is.ID != m.Config.DefaultIssuer && is.KeyID != "" && (target == nil || is.NotAfter.After(target.NotAfter)) {
				target = is
			}
		}
		if target == nil {
			return nil, framework.BadRequest("no other issuer with a key to replace the default with")
		}
	} else if target, err = resolveIssuer(m, ref); err != nil {
		return nil, err
	}
	err = b.runner.RunMount(ctx, func(st cmdpki.MountState) ([]ledgerEvent, error) {
		return cmdpki.DecideDefaults(st, target.ID, target.KeyID)
	})
	b.invalidate(ctx, pkievent.KindMount, b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"default": target.ID, "default_follows_latest_issuer": false}, StatusCode: http.StatusOK}, nil
}

// deleteRoot deletes every issuer, then every key (destroying its data
// key), as Vault's DELETE pki/root; certificates and roles stay.
func (b *Backend) deleteRoot(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	for id := range m.Issuers {
		err := b.runner.RunMount(ctx, func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideDeleteIssuer(st, id) })
		if err != nil {
			return nil, err
		}
	}
	for id := range m.Keys {
		if err := b.runner.DeleteKey(ctx, id); err != nil {
			return nil, err
		}
	}
	b.invalidate(ctx, pkievent.KindMount, b.mount.Accessor)
	return nil, nil
}
