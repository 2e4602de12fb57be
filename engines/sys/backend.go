package sys

import (
	"context"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
)

// SealState is the node's seal, as sys/health and sys/seal-status report
// it. Dev mode is initialised and unsealed with t=1, n=1.
type SealState interface {
	Sealed() bool
	Initialized() bool
	SealType() string
	Threshold() (t, n int)
}

// Options wires the backend to the node.
type Options struct {
	// Mounts is the routing table; it is reloaded right after a mount
	// change so this node routes by it before the response is sent.
	Mounts *mountstore.Table
	// Policies is the ACL cache; it is invalidated right after a policy
	// change for the same reason.
	Policies *policystore.Cache
	// ResolveToken looks up another token (sys/capabilities).
	ResolveToken func(ctx context.Context, token string) (*framework.Caller, error)
	Seal         SealState
	// Version is reported by sys/health and sys/seal-status.
	Version string
	// BuildDate is reported by sys/seal-status (RFC 3339); optional.
	BuildDate string
	// EngineTypes and AuthTypes, when not nil, list the mount types
	// sys/mounts and sys/auth accept; any other type is refused as Vault
	// refuses a plugin missing from its catalog (nil accepts any type:
	// unit tests of the table alone).
	EngineTypes []string
	AuthTypes   []string
	// MountBackend returns the backend serving a mount path (the
	// gateway's), for sys/internal/specs/openapi.
	MountBackend func(mountPath string) (*framework.Backend, bool)
	// Modules are the node's modules (their descriptions, for OpenAPI).
	Modules []framework.Module
}

// Config is what the node gives the sys module beyond its Env.
type Config struct {
	// Sealer, when set, is the seal state and serves sys/init, unseal,
	// seal and rekey.
	Sealer    *Sealer
	Seal      SealState
	Version   string
	BuildDate string
	// MountBackend is bound to the gateway once it exists.
	MountBackend func(mountPath string) (*framework.Backend, bool)
}

// Module is the system backend at sys/: mounts and auth methods, policies,
// capabilities, the CLI's preflight, health and seal status, key status,
// rotation, the audit hash and the OpenAPI document. The node passes its
// seal state and version.
func Module(cfg Config) framework.Module {
	return framework.Module{
		Type:        "system",
		Kind:        framework.SysService,
		Description: "system endpoints used for control, policy and debugging",
		ReadModels: []framework.ReadModel{
			{Name: "mountstore", Prefixes: []string{"mount/"}, Register: mountstore.Register},
			{Name: "policystore", Prefixes: []string{"policy/"}, Register: policystore.Register},
		},
		Events:  []framework.EventMap{policyEvents, mountEvents},
		StateAt: []framework.StateQuery{policyState},
		Start: func(env *framework.Env) (*framework.Instance, error) {
			seal := cfg.Seal
			if cfg.Sealer != nil {
				seal = cfg.Sealer
			}
			opts := Options{
				Mounts: env.Mounts, Policies: env.Policies, Seal: seal, Version: cfg.Version,
				BuildDate: cfg.BuildDate, MountBackend: cfg.MountBackend, Modules: env.Modules,
			}
			if env.Tokens != nil {
				opts.ResolveToken = env.Tokens.Resolve
			}
			opts.EngineTypes, opts.AuthTypes = []string{}, []string{}
			for _, m := range env.Modules {
				switch {
				case m.Builtin != "":
				case m.Kind == framework.SecretEngine:
					opts.EngineTypes = append(opts.EngineTypes, m.Type)
				case m.Kind == framework.AuthMethod:
					opts.AuthTypes = append(opts.AuthTypes, m.Type)
				}
			}
			b := New(env.Deps, opts)
			if cfg.Sealer != nil {
				b = framework.Merge(b, cfg.Sealer.unsealedPaths())
			}
			return &framework.Instance{Sys: b}, nil
		},
	}
}

type backend struct {
	deps framework.Deps
	opts Options
}

// New returns the sys backend.
func New(deps framework.Deps, opts Options) *framework.Backend {
	b := &backend{deps: deps, opts: opts}
	var paths []*framework.Path
	for _, family := range [][]*framework.Path{
		b.mountPaths(), b.authPaths(), b.uiMountPaths(), b.policyPaths(),
		b.capabilityPaths(), b.statusPaths(), b.keyPaths(), b.openAPIPaths(),
	} {
		paths = append(paths, family...)
	}
	return &framework.Backend{Paths: paths, Help: "The system backend is built in to Coffer and cannot be remounted or unmounted. It contains the paths that are used to configure Coffer itself."}
}
