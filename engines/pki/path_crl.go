package pki

import (
	"context"
	"crypto/rand"
	"math/big"
	"net/http"
	"strings"
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
		{Pattern: `crl(?P<delta>/delta)?(?P<pem>/pem|/der)?`, Unauthenticated: true, Synopsis: "The default issuer's CRL (or delta CRL).", Operations: read(b.fetchCRL)},
		{Pattern: `cert/(?P<delta>delta-)?crl`, Unauthenticated: true, Synopsis: "The default issuer's CRL or delta CRL (JSON).", Operations: read(b.fetchCRL)},
		{
			Pattern:         `issuer/(?P<issuer_ref>[^/]+)/crl(?P<delta>/delta)?(?P<pem>/pem|/der)?`,
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
			// Delta CRLs are built from the live list whenever a revocation
			// advanced the counter: there is never a stale one to rotate.
			Pattern:  "crl/rotate-delta",
			Synopsis: "Rebuild the delta CRLs (they are always current).",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: func(*framework.Request) (*framework.Response, error) {
				return &framework.Response{Data: map[string]any{"success": true}}, nil
			}},
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

// ErrDeltaDisabled answers a delta CRL fetch on a mount without them.
var errDeltaDisabled = framework.Errorf(http.StatusNotFound, "pki: delta CRLs are not enabled on this mount (config/crl enable_delta)")

// crlBuild is what one CRL fetch builds: its number, entries since
// (delta) or up to (pinned complete) the last rotation, and its dates.
type crlBuild struct {
	key        string
	number     int64
	thisUpdate time.Time
	pinned     bool // a pinned complete CRL is the same until the next rotation
	delta      bool
	base       int64
	keep       func(at time.Time) bool
}

// deltaSlack widens a delta CRL back past the rotation it is based on:
// a revocation decided just before a rotation may be applied after it,
// and listing an entry in both CRLs is harmless, missing it is not.
const deltaSlack = 5 * time.Minute

// plan decides which CRL a fetch gets: see revocation/numbers.go.
func plan(m *pkievent.Mount, cfg revocation.Config, issuerID string, delta bool, now time.Time) (crlBuild, error) {
	all := func(time.Time) bool { return true }
	pinned := cfg.AutoRebuild && !m.Config.CRLBaseAt.IsZero()
	switch {
	case delta && (!cfg.EnableDelta || !pinned):
		return crlBuild{}, errDeltaDisabled
	case delta:
		since := m.Config.CRLBaseAt.Add(-deltaSlack)
		return crlBuild{key: issuerID + "/delta", number: revocation.LiveNumber(m.Config.CRLNumber), thisUpdate: now, delta: true,
			base: revocation.PinnedNumber(m.Config.CRLBase), keep: func(at time.Time) bool { return at.After(since) }}, nil
	case pinned:
		at := m.Config.CRLBaseAt
		return crlBuild{key: issuerID, number: revocation.PinnedNumber(m.Config.CRLBase), thisUpdate: at, pinned: true,
			keep: func(r time.Time) bool { return !r.After(at) }}, nil
	}
	return crlBuild{key: issuerID, number: revocation.LiveNumber(m.Config.CRLNumber), thisUpdate: now, keep: all}, nil
}

// crl returns an issuer's current CRL or delta CRL (DER), built once per
// CRL number and rebuilt when half its lifetime has passed.
func (b *Backend) crl(ctx context.Context, ref string, delta bool) ([]byte, error) {
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
	p, err := plan(m, cfg, rec.ID, delta, now)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	c, ok := b.crls[p.key]
	b.mu.Unlock()
	if ok && c.number == p.number && (p.pinned || now.Sub(c.built) < d.Expiry/2) {
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
			if !p.keep(r.RevokedAt) {
				continue
			}
			n, err := certs.ParseSerial(r.Serial)
			if err != nil {
				return nil, err
			}
			entries = append(entries, revocation.Entry{Serial: n, RevokedAt: r.RevokedAt})
		}
	}
	der, err := revocation.BuildCRL(rand.Reader, revocation.CRL{
		Issuer: s.is, Number: p.number, ThisUpdate: p.thisUpdate, Lifetime: d.Expiry, Entries: entries,
		Delta: p.delta, BaseNumber: p.base, DeltaURLs: m.Config.URLs.DeltaCRLDistributionPoints,
	})
	if err != nil {
		return nil, refusal(err)
	}
	b.mu.Lock()
	b.crls[p.key] = &builtCRL{number: p.number, built: now, der: der}
	b.mu.Unlock()
	return der, nil
}

func (b *Backend) fetchCRL(req *framework.Request) (*framework.Response, error) {
	ref := "default"
	if _, ok := req.Schema["issuer_ref"]; ok {
		ref = req.String("issuer_ref")
	}
	der, err := b.crl(req.Context(), ref, req.Vars["delta"] != "")
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(req.Path, "cert/") {
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
