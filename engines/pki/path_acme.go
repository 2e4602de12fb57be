package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/acme"
	"github.com/cofferhq/coffer/engines/pki/certs"
	"github.com/cofferhq/coffer/engines/pki/policy"
	"github.com/cofferhq/coffer/events/pkievent"
)

// acmeNonceLifetime bounds how long a replay nonce stays redeemable;
// acmeMaxNonces how many may be outstanding on one node.
const (
	acmeNonceLifetime = 30 * time.Minute
	acmeMaxNonces     = 100000
)

func (b *Backend) acmePaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern: "config/acme",
			Fields: map[string]*framework.FieldSchema{
				"enabled":                  {Type: framework.TypeBool, Description: "Serve ACME on this mount."},
				"default_directory_policy": {Type: framework.TypeString, Default: "sign-verbatim", Description: "sign-verbatim or role:<name>."},
				"allowed_roles":            {Type: framework.TypeCommaStringSlice, Default: []string{"*"}, Description: "Roles served under roles/:role/acme (* for all)."},
				"allowed_issuers":          {Type: framework.TypeCommaStringSlice, Default: []string{"*"}, Description: "Issuers served under issuer/:ref/acme (* for all)."},
			},
			Synopsis: "ACME settings.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readACMEConfig,
				framework.UpdateOperation: b.writeACMEConfig,
			},
		},
		{
			Pattern: "config/cluster",
			Fields: map[string]*framework.FieldSchema{
				"path":     {Type: framework.TypeString, Description: "This mount's URL as clients reach it (https://host:8200/v1/pki)."},
				"aia_path": {Type: framework.TypeString, Description: "The AIA base URL."},
			},
			Synopsis: "The mount's public URL (ACME needs it).",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readCluster,
				framework.UpdateOperation: b.writeCluster,
			},
		},
		{
			// The role and issuer directories, as Vault serves them: the
			// role bounds the names, the issuer signs.
			Pattern:             `(issuer/(?P<acme_issuer>[^/]+)/)?(roles/(?P<acme_role>[^/]+)/)?acme/(?P<acme_path>.*)`,
			Unauthenticated:     true,
			TakesArbitraryInput: true,
			Synopsis:            "The ACME server (RFC 8555).",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.serveACME,
				framework.UpdateOperation: b.serveACME,
			},
		},
	}
}

func acmeConfigOf(m *pkievent.Mount) pkievent.ACMEConfig {
	if m.Config.ACME == nil {
		return pkievent.ACMEConfig{DefaultDirectoryPolicy: "sign-verbatim"}
	}
	return *m.Config.ACME
}

func (b *Backend) readACMEConfig(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: acmeConfigData(acmeConfigOf(m))}, nil
}

func acmeConfigData(c pkievent.ACMEConfig) map[string]any {
	star := func(l []string) []string {
		if len(l) == 0 {
			return []string{"*"}
		}
		return l
	}
	return map[string]any{
		"enabled": c.Enabled, "default_directory_policy": c.DefaultDirectoryPolicy,
		"allowed_roles": star(c.AllowedRoles), "allowed_issuers": star(c.AllowedIssuers),
	}
}

// allowed reports whether name is in an allowed_* list (empty or "*":
// all), comparing issuers by the ID a reference resolves to.
func allowed(list []string, name string, same func(a, b string) bool) bool {
	if len(list) == 0 {
		return true
	}
	for _, l := range list {
		if l == "*" || same(l, name) {
			return true
		}
	}
	return false
}

func (b *Backend) writeACMEConfig(req *framework.Request) (*framework.Response, error) {
	// Fields not given keep their value, as Vault's config/acme.
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	c := acmeConfigOf(m)
	if v, ok := req.BoolOk("enabled"); ok {
		c.Enabled = v
	}
	if v, ok := req.StringOk("default_directory_policy"); ok {
		c.DefaultDirectoryPolicy = v
	}
	if v, ok := req.StringsOk("allowed_roles"); ok {
		c.AllowedRoles = starless(v)
	}
	if v, ok := req.StringsOk("allowed_issuers"); ok {
		c.AllowedIssuers = starless(v)
	}
	if p := c.DefaultDirectoryPolicy; p != "sign-verbatim" && !strings.HasPrefix(p, "role:") {
		return nil, framework.BadRequest("invalid default_directory_policy %q: want sign-verbatim or role:<name>", p)
	}
	err = b.runner.RunMount(req.Context(), func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideACMEConfig(st, c) })
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: acmeConfigData(c)}, nil
}

// starless stores Vault's default list (["*"]) as empty.
func starless(l []string) []string {
	if len(l) == 1 && l[0] == "*" {
		return nil
	}
	return l
}

func (b *Backend) readCluster(req *framework.Request) (*framework.Response, error) {
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"path": m.Config.ClusterPath, "aia_path": m.Config.AIAPath}}, nil
}

func (b *Backend) writeCluster(req *framework.Request) (*framework.Response, error) {
	path, aia := req.String("path"), req.String("aia_path")
	err := b.runner.RunMount(req.Context(), func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideCluster(st, path, aia) })
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"path": path, "aia_path": aia}}, nil
}

// serveACME hands the request to the ACME protocol core, with the
// ledger-backed store, the mount's directory policy and its default
// issuer. The gateway has parsed the JWS body as JSON; it is encoded
// again (the JWS fields are strings, so the signature still checks).
func (b *Backend) serveACME(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	m, err := b.reader.Mount(b.mount.Accessor)
	if err != nil {
		return nil, err
	}
	cfg := acmeConfigOf(m)
	if !cfg.Enabled {
		return nil, framework.Errorf(http.StatusForbidden, "ACME is disabled in configuration")
	}
	if m.Config.ClusterPath == "" {
		return nil, framework.BadRequest("ACME feature requires local cluster 'path' field configuration to be set")
	}
	base, issuerRef, role, err := b.acmeDirectory(req, m, cfg)
	if err != nil {
		return nil, err
	}
	method, body := http.MethodGet, []byte(nil)
	if req.Method == http.MethodHead {
		method = http.MethodHead
	}
	if req.Operation == framework.UpdateOperation {
		method = http.MethodPost
		if body, err = json.Marshal(req.Data); err != nil {
			return nil, err
		}
	}
	srv := &acme.Server{
		BaseURL: strings.TrimSuffix(m.Config.ClusterPath, "/") + base, Store: acmeStore{ctx: ctx, b: b},
		Nonces: b.acmeNonces, Validator: b.acmeValidator, Now: b.now,
		Issue: b.acmeIssue(req, role, issuerRef),
		AllowIdentifier: func(id acme.Identifier) error {
			if role == nil {
				return nil
			}
			if err := role.CheckName(id.Value); err != nil {
				return acme.RejectedIdentifier(err.Error())
			}
			return nil
		},
	}
	out := srv.Handle(ctx, acme.Request{Method: method, Path: req.Vars["acme_path"], ContentType: req.ContentType, Body: body})
	resp := &framework.Response{StatusCode: out.Status, Headers: out.Header, Raw: out.Body, RawContentType: out.Header.Get("Content-Type")}
	resp.Headers.Del("Content-Type")
	if resp.Raw == nil && out.Status != http.StatusNoContent {
		resp.Raw = []byte{}
	}
	return resp, nil
}

// acmeDirectory resolves which directory a request is to: its base path
// below the mount, the issuer that signs, and the role bounding names
// (nil: sign-verbatim). acme/ follows default_directory_policy;
// roles/:role/acme and issuer/:ref/acme name theirs, within
// allowed_roles and allowed_issuers.
func (b *Backend) acmeDirectory(req *framework.Request, m *pkievent.Mount, cfg pkievent.ACMEConfig) (string, string, *policy.Role, error) {
	base, issuerRef, roleName := "/acme", "", req.Vars["acme_role"]
	if roleName != "" {
		if !allowed(cfg.AllowedRoles, roleName, func(a, b string) bool { return a == b }) {
			return "", "", nil, framework.BadRequest("role %q is not allowed by config/acme allowed_roles", roleName)
		}
		base = "/roles/" + roleName + base
	} else if name, ok := strings.CutPrefix(cfg.DefaultDirectoryPolicy, "role:"); ok {
		roleName = name
	}
	var role *policy.Role
	if roleName != "" {
		r, err := b.role(roleName)
		if err != nil {
			return "", "", nil, err
		}
		if r == nil {
			return "", "", nil, framework.BadRequest("ACME directory names unknown role %q", roleName)
		}
		role, issuerRef = r, r.IssuerRef
	}
	if ref := req.Vars["acme_issuer"]; ref != "" {
		is, err := resolveIssuer(m, ref)
		if err != nil {
			return "", "", nil, framework.BadRequest("ACME directory names unknown issuer %q", ref)
		}
		same := func(entry, id string) bool {
			e, err := resolveIssuer(m, entry)
			return err == nil && e.ID == id
		}
		if !allowed(cfg.AllowedIssuers, is.ID, same) {
			return "", "", nil, framework.BadRequest("issuer %q is not allowed by config/acme allowed_issuers", ref)
		}
		base, issuerRef = "/issuer/"+ref+base, ref
	}
	if issuerRef == "" {
		issuerRef = "default"
	}
	return base, issuerRef, role, nil
}

// acmeIssue signs a finalized order's CSR with the default issuer, under
// the directory's role (names from the CSR, no CN required) or verbatim,
// and records the issuance like any other.
func (b *Backend) acmeIssue(req *framework.Request, role *policy.Role, issuerRef string) acme.IssueFunc {
	return func(ctx context.Context, csr *x509.CertificateRequest, _ *acme.Order) ([]byte, error) {
		s, err := b.signing(ctx, issuerRef)
		if err != nil {
			return nil, err
		}
		pr := policy.Request{CSR: certs.CSRPEM(csr)}
		var d *policy.Decision
		if role != nil {
			r := *role
			r.RequireCN, r.UseCSRCommonName, r.UseCSRSANs = false, true, true
			d, err = policy.DecideSign(r, pr, b.limits(req, s))
		} else {
			d, err = policy.DecideSignVerbatim(nil, pr, policy.VerbatimOptions{}, b.limits(req, s))
		}
		if err != nil {
			return nil, acme.BadCSR(err.Error())
		}
		issued, err := certs.SignCSR(rand.Reader, d.Params, d.CSR, s.is, d.UseCSRValues)
		if err != nil {
			return nil, acme.BadCSR(err.Error())
		}
		if err := b.record(ctx, issued.Cert, issued.PEM(), s.rec.ID, "acme", d.Role.NoStore); err != nil {
			return nil, err
		}
		var chain strings.Builder
		for _, c := range append([]*x509.Certificate{issued.Cert}, s.is.FullChain()...) {
			chain.WriteString(strings.TrimSpace(certs.CertPEM(c)) + "\n")
		}
		return []byte(chain.String()), nil
	}
}
