package pki

import (
	"context"
	"crypto/rand"
	"math/big"
	"time"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/revocation"
	"github.com/cofferhq/coffer/events/pkievent"
)

// builtCRL is a CRL built for one issuer under one CRL number.
type builtCRL struct {
	number int64
	built  time.Time
	der    []byte
}

const (
	contentCRL    = "application/pkix-crl"
	contentPEMCRL = "application/x-pem-file"
)

func (b *Backend) crlPaths() []*framework.Path {
	read := func(h framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
		return map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: h}
	}
	crlConfigFields := map[string]*framework.FieldSchema{}
	for name := range revocation.DefaultConfig().Data() {
		t := framework.TypeString
		if _, isBool := revocation.DefaultConfig().Data()[name].(bool); isBool {
			t = framework.TypeBool
		}
		crlConfigFields[name] = &framework.FieldSchema{Type: t, Description: "config/crl " + name + "."}
	}
	return []*framework.Path{
		{Pattern: `crl(?P<pem>/pem|/der)?`, Unauthenticated: true, Synopsis: "The default issuer's CRL.", Operations: read(b.fetchCRL)},
		{Pattern: `cert/crl`, Unauthenticated: true, Synopsis: "The default issuer's CRL (JSON).", Operations: read(b.fetchCRL)},
		{
			Pattern:         `issuer/(?P<issuer_ref>[^/]+)/crl(?P<pem>/pem|/der)?`,
			Fields:          map[string]*framework.FieldSchema{"issuer_ref": {Type: framework.TypeString, Description: "The issuer."}},
			Unauthenticated: true,
			Synopsis:        "An issuer's CRL.",
			Operations:      read(b.fetchCRL),
		},
		{
			Pattern:    "crl/rotate",
			Synopsis:   "Rebuild every CRL of the mount with the next CRL number.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.rotateCRL},
		},
		{
			Pattern:  "config/crl",
			Fields:   crlConfigFields,
			Synopsis: "CRL and OCSP settings.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readCRLConfig,
				framework.UpdateOperation: b.writeCRLConfig,
			},
		},
	}
}

// crlConfig is the mount's config/crl (Vault's defaults when unset).
func crlConfig(m *pkievent.Mount) revocation.Config {
	if m.Config.CRL == nil {
		return revocation.DefaultConfig()
	}
	c := m.Config.CRL
	return revocation.Config{
		Expiry: c.Expiry, Disable: c.Disable, OCSPDisable: c.OCSPDisable, OCSPExpiry: c.OCSPExpiry,
		AutoRebuild: c.AutoRebuild, AutoRebuildGracePeriod: c.AutoRebuildGracePeriod,
		EnableDelta: c.EnableDelta, DeltaRebuildInterval: c.DeltaRebuildInterval,
	}
}

// crl returns an issuer's current CRL (DER), built once per CRL number
// and rebuilt when half its lifetime has passed.
func (b *Backend) crl(ctx context.Context, ref string) ([]byte, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	rec, err := resolveIssuer(m, ref)
	if err != nil {
		return nil, framework.ErrNotFound
	}
	cfg := crlConfig(m)
	d, err := cfg.Validate()
	if err != nil {
		return nil, refusal(err)
	}
	now := b.ctxNow()
	b.mu.Lock()
	c, ok := b.crls[rec.ID]
	b.mu.Unlock()
	if ok && c.number == m.Config.CRLNumber && now.Sub(c.built) < d.Expiry/2 {
		return c.der, nil
	}
	s, err := b.signing(ctx, rec.ID)
	if err != nil {
		return nil, err
	}
	var entries []revocation.Entry
	if !cfg.Disable {
		revoked, err := b.reader.RevokedBy(b.mount.Accessor, rec.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range revoked {
			n, err := certs.ParseSerial(r.Serial)
			if err != nil {
				return nil, err
			}
			entries = append(entries, revocation.Entry{Serial: n, RevokedAt: r.RevokedAt})
		}
	}
	der, err := revocation.BuildCRL(rand.Reader, revocation.CRL{
		Issuer: s.is, Number: m.Config.CRLNumber + 1, ThisUpdate: now, Lifetime: d.Expiry, Entries: entries,
		DeltaURLs: m.Config.URLs.DeltaCRLDistributionPoints,
	})
	if err != nil {
		return nil, refusal(err)
	}
	b.mu.Lock()
	b.crls[rec.ID] = &builtCRL{number: m.Config.CRLNumber, built: now, der: der}
	b.mu.Unlock()
	return der, nil
}

func (b *Backend) fetchCRL(req *framework.Request) (*framework.Response, error) {
	ref := "default"
	if _, ok := req.Schema["issuer_ref"]; ok {
		ref = req.String("issuer_ref")
	}
	der, err := b.crl(req.Context(), ref)
	if err != nil {
		return nil, err
	}
	if req.Path == "cert/crl" {
		return &framework.Response{Data: map[string]any{"certificate": revocation.CRLPEM(der), "revocation_time": 0}}, nil
	}
	if req.Vars["pem"] == "/pem" {
		return &framework.Response{Raw: []byte(revocation.CRLPEM(der)), RawContentType: contentPEMCRL}, nil
	}
	if _, ok := req.Schema["issuer_ref"]; ok && req.Vars["pem"] == "" {
		return &framework.Response{Data: map[string]any{"crl": revocation.CRLPEM(der)}}, nil
	}
	return &framework.Response{Raw: der, RawContentType: contentCRL}, nil
}

func (b *Backend) rotateCRL(req *framework.Request) (*framework.Response, error) {
	err := b.runner.RunMount(req.Context(), func(st cmdpki.MountState) ([]ledgerEvent, error) {
		return cmdpki.DecideCRLRotate(st, st.Now)
	})
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"success": true}}, nil
}

func (b *Backend) readCRLConfig(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: crlConfig(m).Data()}, nil
}

func (b *Backend) writeCRLConfig(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	c := crlConfig(m)
	str := func(name string, dst *string) {
		if v, ok := req.GetOk(name); ok {
			*dst = v.(string)
		}
	}
	flag := func(name string, dst *bool) {
		if v, ok := req.GetOk(name); ok {
			*dst = v.(bool)
		}
	}
	str("expiry", &c.Expiry)
	str("ocsp_expiry", &c.OCSPExpiry)
	str("auto_rebuild_grace_period", &c.AutoRebuildGracePeriod)
	str("delta_rebuild_interval", &c.DeltaRebuildInterval)
	flag("disable", &c.Disable)
	flag("ocsp_disable", &c.OCSPDisable)
	flag("auto_rebuild", &c.AutoRebuild)
	flag("enable_delta", &c.EnableDelta)
	if _, err := c.Validate(); err != nil {
		return nil, refusal(err)
	}
	ev := pkievent.CRLConfig{
		Expiry: c.Expiry, Disable: c.Disable, OCSPDisable: c.OCSPDisable, OCSPExpiry: c.OCSPExpiry,
		AutoRebuild: c.AutoRebuild, AutoRebuildGracePeriod: c.AutoRebuildGracePeriod,
		EnableDelta: c.EnableDelta, DeltaRebuildInterval: c.DeltaRebuildInterval,
	}
	err = b.runner.RunMount(req.Context(), func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideCRLConfig(st, ev) })
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: c.Data()}, nil
}

// serialBig parses a stored serial.
func serialBig(s string) *big.Int {
	n, err := certs.ParseSerial(s)
	if err != nil {
		return nil
	}
	return n
}
