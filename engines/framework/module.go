package framework

import (
	"context"
	"log/slog"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/mountstore"
	"github.com/cofferhq/coffer/projections/policystore"
)

// Kind says how a module is reached.
type Kind int

// Module kinds.
const (
	// SecretEngine modules are mounted with sys/mounts at a free path.
	SecretEngine Kind = iota + 1
	// AuthMethod modules are mounted with sys/auth under auth/; their
	// login paths are unauthenticated and return an Auth block the core
	// mints a token from.
	AuthMethod
	// SysService modules serve paths under sys/ (and run services).
	SysService
)

func (k Kind) String() string {
	switch k {
	case SecretEngine:
		return "secret"
	case AuthMethod:
		return "auth"
	case SysService:
		return "sys"
	}
	return "unknown"
}

// Module is one secrets engine, auth method or sys service: everything the
// node needs to know about it, in one value. The node ranges over one list
// of modules; adding an engine is one package exporting a Module and one
// line in that list.
type Module struct {
	// Type is the mount type for secret engines and auth methods ("kv",
	// "transit", "userpass"), the service's name for sys services.
	Type string
	Kind Kind
	// Builtin, when set, mounts the module once at that path
	// ("auth/token/") instead of through sys/mounts or sys/auth, with
	// BuiltinAccessor; it cannot be enabled, disabled or moved.
	Builtin         string
	BuiltinAccessor string
	// Description is the module's one-line description (help, OpenAPI).
	Description string
	// ReadModels are the projections the module owns.
	ReadModels []ReadModel
	// Events map the module's ledger event types to public events for
	// subscribers (sys/events/subscribe) and replays.
	Events []EventMap
	// StateAt answers sys/ledger/state-at for the paths it knows.
	StateAt []StateQuery
	// Start builds the module's node-wide part each time the node unseals.
	// It runs before the projector does: it may register observers, but
	// must not expect the read models to be current (services may).
	Start func(env *Env) (*Instance, error)
}

// ReadModel is one projection: the pebble prefixes it owns (no two read
// models share a prefix; a test checks) and the function that registers
// its apply functions with a projector (the node's, a state-at scratch
// projector's, a replay test's).
type ReadModel struct {
	Name     string
	Prefixes []string
	Register func(*projections.Projector)
}

// Instance is a started module: what it serves and runs until the node
// seals. Every field is optional.
type Instance struct {
	// Factory builds one mount of a secrets engine or auth method.
	Factory Factory
	// Sys is the part of sys/ a sys service serves (patterns relative to
	// "sys/").
	Sys *Backend
	// Observers see every committed ledger message (registered before the
	// projector runs). They must not block.
	Observers []projections.Observer
	// Revoker revokes and renews the leases the module's mounts issue
	// (leases name it by the module's Type).
	Revoker Revoker
	// RenewLogin, for an auth method, re-checks its login tokens when
	// they are renewed (the user or role still exists).
	RenewLogin LoginRenewer
	// Services are the module's background loops: started once the read
	// models have caught up, stopped (their context cancelled, then
	// waited for) when the node seals or stops.
	Services []Service
	// Drain ends long-lived responses (event streams) when the node stops
	// serving, before in-flight requests are waited for.
	Drain func()
	// Stop releases what the module holds (connection pools) after its
	// services and every mount's Clean have returned.
	Stop func()
}

// Service is one background loop. Run returns when ctx ends; an error
// returned before that is logged and the service is not restarted (Run
// retries transient failures itself).
type Service struct {
	Name string
	Run  func(ctx context.Context) error
	// Singleton services run on one node of a cluster at a time: the
	// elected one (package cluster/election). Run's context ends when the
	// node loses the election.
	Singleton bool
}

// Deps are the stores an engine is built on.
type Deps struct {
	Bus       *commands.Bus
	Store     *projections.Store
	Projector *projections.Projector
	Ledger    *ledger.Store
	Log       *slog.Logger
}

// Env is what a module is started with: the node's stores and core
// services while it is unsealed.
type Env struct {
	Deps
	// Ctx ends when the node seals or stops.
	Ctx context.Context
	// DataDir is the node's data directory; a module keeps its files in a
	// subdirectory named after it.
	DataDir string
	// Now is the node's clock.
	Now func() time.Time
	// Leases is the lease manager (issue, register; the reaper revokes).
	Leases Leases
	// Tokens is the token store: resolve, spend uses, mint.
	Tokens TokenStore
	// LoginRenewers holds every auth method's RenewLogin (filled as the
	// modules start; the token module reads it at renewal).
	LoginRenewers *LoginRenewers
	// Mounts is the routing table; Policies the ACL cache.
	Mounts   *mountstore.Table
	Policies *policystore.Cache
	// Modules is the node's module list.
	Modules []Module
	// Leading reports whether this node runs the cluster's singletons
	// (timers that must fire on one node only); nil means it does.
	Leading func() bool
}

// Clock returns env.Now, or time.Now when unset.
func (e *Env) Clock() func() time.Time {
	if e.Now != nil {
		return e.Now
	}
	return time.Now
}
