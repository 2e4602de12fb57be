package kubernetes

import (
	"context"
	"os"
	"sync"
	"time"

	cmdk8s "github.com/cofferhq/coffer/commands/kubernetes"
	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/auth/ratelimit"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/authstore"
)

// Type is the mount type.
const Type = "kubernetes"

// Module is the Kubernetes auth method: config and roles kept in the
// ledger (events/kubernetesevent, read model authstore), logins reviewed
// by the apiserver's TokenReview API that return the Auth block the core
// mints a token from.
var Module = framework.Module{
	Type:        Type,
	Kind:        framework.AuthMethod,
	Description: "logins with Kubernetes service account tokens",
	ReadModels: []framework.ReadModel{{
		Name: "kubernetes", Prefixes: []string{authstore.KubernetesPrefix}, Register: authstore.RegisterKubernetes,
	}},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		m := &method{deps: env.Deps, now: env.Clock()}
		if _, err := os.Stat(LocalCACertPath); err == nil {
			// Running in a pod: the pod's CA and token stand in for what
			// the config leaves out, as in Vault.
			m.local = &LocalFiles{Now: env.Clock()}
		}
		return &framework.Instance{Factory: m.factory, RenewLogin: m.renewLogin}, nil
	},
}

type method struct {
	deps  framework.Deps
	now   func() time.Time
	local *LocalFiles
}

// backend is one Kubernetes mount, with the apiserver client of its
// current config (rebuilt when the config's version changes).
type backend struct {
	m       *method
	mount   string
	limiter *ratelimit.Limiter
	// limiterErr refuses logins while the mount's limiter options are malformed.
	limiterErr error
	runner     *cmdk8s.Runner

	mu      sync.Mutex
	client  *Client
	version uint64
}

func (m *method) factory(mount framework.MountInfo) (*framework.Backend, error) {
	limiter, limiterErr := authpath.Limiter(mount, m.now)
	b := &backend{m: m, mount: mount.Accessor, limiter: limiter, limiterErr: limiterErr, runner: &cmdk8s.Runner{Bus: m.deps.Bus, Mount: mount.Accessor}}
	var paths []*framework.Path
	for _, family := range [][]*framework.Path{b.loginPaths(), b.configPaths(), b.rolePaths()} {
		paths = append(paths, family...)
	}
	return &framework.Backend{
		Paths: paths,
		Help:  "The Kubernetes Auth Backend allows authentication for Kubernetes service accounts.",
		Clean: func(context.Context) { b.closeClient() },
	}, nil
}

func (b *backend) barrier() (*ledger.Barrier, error) {
	return b.m.deps.Ledger.UnsealedBarrier()
}

func (b *backend) closeClient() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.client != nil {
		b.client.Close()
		b.client = nil
	}
}

// reviewer returns the client for cfg at version, building it when the
// config changed.
func (b *backend) reviewer(cfg *Config, version uint64) (*Client, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.client != nil && b.version == version {
		return b.client, nil
	}
	c, err := NewClient(cfg, ClientOptions{Local: b.m.local})
	if err != nil {
		return nil, err
	}
	if b.client != nil {
		b.client.Close()
	}
	b.client, b.version = c, version
	return c, nil
}
