package pki

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	cmdpki "github.com/cofferhq/coffer/commands/pki"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/pki/acme"
	"github.com/cofferhq/coffer/engines/pki/policy"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/projections/pkistore"
)

// Module is the PKI secrets engine.
var Module = framework.Module{
	Type:        "pki",
	Kind:        framework.SecretEngine,
	Description: "an internal certificate authority",
	ReadModels: []framework.ReadModel{{
		Name: "pkistore", Prefixes: []string{"pki/"}, Register: pkistore.Register,
	}},
	Events: []framework.EventMap{eventMap},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		return &framework.Instance{
			Factory: func(mount framework.MountInfo) (*framework.Backend, error) {
				return New(env.Deps, mount, env.Clock()).Framework(), nil
			},
			Revoker:  &leaseRevoker{deps: env.Deps, now: env.Clock()},
			Services: []framework.Service{maintenanceService(env)},
		}, nil
	},
}

// Backend is one PKI mount.
type Backend struct {
	deps   framework.Deps
	mount  framework.MountInfo
	runner *cmdpki.Runner
	reader pkistore.Reader
	log    *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	gen     uint64 // advanced by every invalidation of the caches below
	signers map[string]*signer
	roles   map[string]*policy.Role
	crls    map[string]*builtCRL

	// acmeNonces are this node's replay nonces (single-use, node-local,
	// as Vault's); acmeValidator validates http-01 challenges.
	acmeNonces    *acme.Nonces
	acmeValidator acme.Validator
}

// New builds a backend for one mount.
func New(deps framework.Deps, mount framework.MountInfo, now func() time.Time) *Backend {
	if now == nil {
		now = time.Now
	}
	log := deps.Log
	if log == nil {
		log = slog.Default()
	}
	reader := pkistore.Reader{Store: deps.Store, Ledger: deps.Ledger}
	return &Backend{
		deps: deps, mount: mount, reader: reader, log: log, now: now,
		runner:  &cmdpki.Runner{Bus: deps.Bus, Reader: reader, Mount: mount.Accessor, Now: now},
		signers: map[string]*signer{}, roles: map[string]*policy.Role{}, crls: map[string]*builtCRL{},
		acmeNonces:    acme.NewNonces(acmeNonceLifetime, acmeMaxNonces, now),
		acmeValidator: acme.HTTP01{Client: &http.Client{}, Timeout: 10 * time.Second},
	}
}

// Framework is the mount as the gateway serves it.
func (b *Backend) Framework() *framework.Backend {
	var paths []*framework.Path
	for _, family := range [][]*framework.Path{
		b.rootPaths(), b.intermediatePaths(), b.rolePaths(), b.issuePaths(),
		b.fetchPaths(), b.issuerPaths(), b.keyPaths(), b.revokePaths(), b.crlPaths(),
		b.ocspPaths(), b.configPaths(), b.tidyPaths(), b.acmePaths(),
	} {
		paths = append(paths, family...)
	}
	return &framework.Backend{
		Paths:      paths,
		Help:       "The PKI backend dynamically generates X509 server and client certificates.",
		Invalidate: b.invalidate,
		// An OCSP GET carries URL-encoded base64 ('/' as %2F, maybe "//").
		OpaqueTails: []string{"ocsp/", "unified-ocsp/"},
	}
}

// invalidate drops what another writer changed: the opened issuers when
// the mount aggregate changed, a role when its aggregate did.
func (b *Backend) invalidate(_ context.Context, kind, id string) {
	switch kind {
	case pkievent.KindMount:
		if id != b.mount.Accessor {
			return
		}
		b.mu.Lock()
		b.gen++
		clear(b.signers)
		b.mu.Unlock()
	case pkievent.KindRole:
		name, ok := strings.CutPrefix(id, b.mount.Accessor+"/")
		if !ok {
			return
		}
		b.mu.Lock()
		b.gen++
		delete(b.roles, name)
		b.mu.Unlock()
	}
}

func (b *Backend) generation() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.gen
}

func (b *Backend) ctxNow() time.Time { return b.now().UTC() }
