package transit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	cmdtransit "github.com/cofferhq/coffer/commands/transit"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/transitstore"
)

// AutoRotateInterval is how often the auto-rotation timer looks for keys
// whose auto_rotate_period elapsed (Vault's minimum period is an hour).
const AutoRotateInterval = time.Minute

// Options tune a backend; the zero value is production's.
type Options struct {
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// AutoRotateInterval overrides the timer's period; negative disables
	// the timer (tests drive RotateDueKeys themselves).
	AutoRotateInterval time.Duration
	// Leading, when set, reports whether this node runs the cluster's
	// singletons; auto-rotation skips its ticks on the others.
	Leading func() bool
}

// Module is the transit secrets engine: encryption as a service. Each
// mount runs an auto-rotation timer until the mount is disabled or tuned
// or the node seals.
var Module = framework.Module{
	Type:        "transit",
	Kind:        framework.SecretEngine,
	Description: "encryption as a service",
	ReadModels: []framework.ReadModel{{
		Name: "transitstore", Prefixes: []string{"transit/"}, Register: transitstore.Register,
	}},
	Events: []framework.EventMap{eventMap},
	Start: func(env *framework.Env) (*framework.Instance, error) {
		return &framework.Instance{Factory: func(mount framework.MountInfo) (*framework.Backend, error) {
			return New(env.Deps, mount, Options{Now: env.Now, Leading: env.Leading}).Framework(), nil
		}}, nil
	},
}

// Backend is one transit mount.
type Backend struct {
	deps   framework.Deps
	mount  string
	runner *cmdtransit.Runner
	cache  *keyCache
	log    *slog.Logger
	now    func() time.Time
	// leading gates auto-rotation to the node running the singletons.
	leading func() bool

	stopOnce sync.Once
	cancel   context.CancelFunc // ends the timer and any rotation in flight
	done     chan struct{}
}

// New builds a backend and, unless disabled, starts its auto-rotation
// timer, which runs until Close.
func New(deps framework.Deps, mount framework.MountInfo, opts Options) *Backend {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	log := deps.Log
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Backend{
		deps: deps, mount: mount.Accessor, cache: &keyCache{}, log: log, now: now, leading: opts.Leading,
		runner: &cmdtransit.Runner{Bus: deps.Bus, Mount: mount.Accessor, Now: now},
		cancel: cancel, done: make(chan struct{}),
	}
	interval := opts.AutoRotateInterval
	if interval == 0 {
		interval = AutoRotateInterval
	}
	if interval > 0 {
		go b.autoRotate(ctx, interval)
	} else {
		close(b.done)
	}
	return b
}

// Close stops the auto-rotation timer (and a rotation in flight) and
// waits for it.
func (b *Backend) Close() {
	b.stopOnce.Do(b.cancel)
	<-b.done
}

// Framework is the mount as the gateway serves it: the path table, Clean
// (Close) and Invalidate (drops cached keys another writer changed).
func (b *Backend) Framework() *framework.Backend {
	var paths []*framework.Path
	for _, family := range [][]*framework.Path{
		b.keyPaths(), b.keyActionPaths(), b.exportPaths(),
		b.encryptPaths(), b.datakeyPaths(), b.signPaths(), b.hmacPaths(), b.utilityPaths(),
	} {
		paths = append(paths, family...)
	}
	return &framework.Backend{
		Paths:      paths,
		Help:       "The transit backend is used to encrypt/decrypt data in-transit: keys are named, versioned and rotated, and never leave it unless made exportable.",
		Clean:      func(context.Context) { b.Close() },
		Invalidate: b.cache.invalidateAggregate(b.mount),
	}
}

// errKeyNotFound reports a missing key to the handlers, which answer in
// the words of each Vault endpoint.
var errKeyNotFound = errors.New("transit: key not found")

// keyring returns the opened key name, from the cache or freshly loaded.
func (b *Backend) keyring(ctx context.Context, name string) (*keyring, error) {
	if kr, ok := b.cache.get(name); ok {
		return kr, nil
	}
	gen := b.cache.generation()
	k, sealed, err := transitstore.Snapshot(b.deps.Store, b.mount, name)
	if errors.Is(err, transitstore.ErrNotFound) {
		return nil, errKeyNotFound
	}
	if err != nil {
		return nil, err
	}
	materials, err := cmdtransit.OpenVersions(ctx, b.deps.Ledger.DataKeys(), b.mount, k, sealed)
	if errors.Is(err, cmdtransit.ErrErased) {
		return nil, framework.Errorf(500, "key %q has no key material: its data key was erased; delete the key again to complete the deletion", name)
	}
	if err != nil {
		return nil, err
	}
	kr, err := newKeyring(k, materials)
	if err != nil {
		return nil, err
	}
	b.cache.store(name, kr, gen)
	return kr, nil
}

// exists is the create-vs-update existence check of key paths.
func (b *Backend) exists(name string) (bool, error) {
	if _, ok := b.cache.get(name); ok {
		return true, nil
	}
	return transitstore.Exists(b.deps.Store, b.mount, name)
}
