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
			Pattern:             `acme/(?P<acme_path>.*)`,
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
	c := acmeConfigOf(m)
	return &framework.Response{Data: map[string]any{"enabled": c.Enabled, "default_directory_policy": c.DefaultDirectoryPolicy}}, nil
}

func (b *Backend) writeACMEConfig(req *framework.Request) (*framework.Response, error) {
	c := pkievent.ACMEConfig{Enabled: req.Bool("enabled"), DefaultDirectoryPolicy: req.String("default_directory_policy")}
	if p := c.DefaultDirectoryPolicy; p != "sign-verbatim" && !strings.HasPrefix(p, "role:") {
		return nil, framework.BadRequest("invalid default_directory_policy %q: want sign-verbatim or role:<name>", p)
	}
	err := b.runner.RunMount(req.Context(), func(st cmdpki.MountState) ([]ledgerEvent, error) { return cmdpki.DecideACMEConfig(st, c) })
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{"enabled": c.Enabled, "default_directory_policy": c.DefaultDirectoryPolicy}}, nil
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
	var role *policy.Role
	if name, ok := strings.CutPrefix(cfg.DefaultDirectoryPolicy, "role:"); ok {
		if role, err = b.role(name); err != nil {
			return nil, err
		}
		if role == nil {
			return nil, framework.BadRequest("ACME directory policy names unknown role %q", name)
		}
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
		BaseURL: strings.TrimSuffix(m.Config.ClusterPath, "/") + "/acme", Store: acmeStore{ctx: ctx, b: b},
		Nonces: b.acmeNonces, Validator: b.acmeValidator, Now: b.now,
		Issue: b.acmeIssue(req, role),
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

// acmeIssue signs a finalized order's CSR with the default issuer, under
// the directory's role (names from the CSR, no CN required) or verbatim,
// and records the issuance like any other.
func (b *Backend) acmeIssue(req *framework.Request, role *policy.Role) acme.IssueFunc {
	return func(ctx context.Context, csr *x509.CertificateRequest, _ *acme.Order) ([]byte, error) {
		s, err := b.signing(ctx, "default")
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
		if err := b.record(ctx, issued.Cert, s.rec.ID, "acme", d.Role.NoStore); err != nil {
			return nil, err
		}
		var chain strings.Builder
		for _, c := range append([]*x509.Certificate{issued.Cert}, s.is.FullChain()...) {
			chain.WriteString(strings.TrimSpace(certs.CertPEM(c)) + "\n")
		}
		return []byte(chain.String()), nil
	}
}
