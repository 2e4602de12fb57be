package ledgertest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// catchUpTimeout bounds how long Start waits for the projections to apply
// what the ledger already holds.
const catchUpTimeout = 30 * time.Second

// Options configures Start.
type Options struct {
	// Dir is the data dir; empty means a fresh t.TempDir().
	Dir string
	// Sealed leaves the ledger as it opens: neither initialised nor
	// unsealed, for tests that bring their own seal. It implies
	// NoProjections.
	Sealed bool
	// NoProjections starts only NATS and the ledger.
	NoProjections bool
	// Register adds read models to the projector (mountstore.Register, …).
	Register []func(*projections.Projector)
	// Setup, when set, runs after the projector, bus and deps exist and
	// before the projector runs: the place to add observers.
	Setup func(*Env)
	// Log is the projector's and the deps' logger; nil discards.
	Log *slog.Logger
	// AuditRetention ages audit records out of the ledger after it
	// (ledger.OpenOptions.AuditRetention); 0 keeps them.
	AuditRetention time.Duration
}

// Env is a running ledger, and the projections over it unless
// Options.NoProjections or Options.Sealed.
type Env struct {
	Dir       string
	Server    *server.Server
	Conn      *nats.Conn
	Ledger    *ledger.Store
	Store     *projections.Store
	Projector *projections.Projector
	Bus       *commands.Bus
	Deps      framework.Deps

	opts          Options
	stopProjector func()
	stopped       bool
}

// Start starts an environment as opts asks and stops it at cleanup.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	e := &Env{Dir: opts.Dir, opts: opts}
	t.Cleanup(e.Stop)
	e.start(t)
	return e
}

func (e *Env) start(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	e.stopped = false
	var err error
	e.Server, e.Conn, err = ledger.StartEmbedded(ledger.EmbeddedConfig{StoreDir: filepath.Join(e.Dir, "nats")})
	check(t, err, "start embedded nats")
	e.Ledger, err = ledger.OpenWithOptions(ctx, e.Conn, ledger.OpenOptions{Replicas: 1, AuditRetention: e.opts.AuditRetention})
	check(t, err, "open ledger")
	if e.opts.Sealed {
		return
	}
	seal, err := ledger.OpenDevSeal(e.Dir)
	check(t, err, "open dev seal")
	initialized, err := e.Ledger.Initialized(ctx)
	check(t, err, "ledger initialized")
	if initialized {
		check(t, e.Ledger.Unseal(ctx, seal), "unseal ledger")
	} else {
		check(t, e.Ledger.Init(ctx, seal), "init ledger")
	}
	if e.opts.NoProjections {
		return
	}
	e.openProjections(t)
}

// openProjections opens DIR/projections, runs a projector with the
// registered read models over it and waits until it caught up.
func (e *Env) openProjections(t testing.TB) {
	t.Helper()
	ps, err := projections.Open(filepath.Join(e.Dir, "projections"))
	check(t, err, "open projections")
	e.Store = ps
	e.Projector = projections.NewProjector(ps, e.Ledger, e.opts.Log)
	for _, r := range e.opts.Register {
		r(e.Projector)
	}
	e.Ledger.Writer().SetVersionSource(ps)
	e.Bus = &commands.Bus{Ledger: e.Ledger, Projections: ps}
	e.Deps = framework.Deps{Bus: e.Bus, Store: ps, Projector: e.Projector, Ledger: e.Ledger, Log: e.opts.Log}
	if e.opts.Setup != nil {
		e.opts.Setup(e)
	}
	e.stopProjector = run(e.Projector)
	waitCaughtUp(t, e.Ledger, ps)
}

// run starts p in its goroutine and returns a function that stops it and
// waits for it to return.
func run(p *projections.Projector) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = p.Run(ctx)
	}()
	return func() { cancel(); <-done }
}

func waitCaughtUp(t testing.TB, l *ledger.Store, ps *projections.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), catchUpTimeout)
	defer cancel()
	last, err := l.LastSeq(ctx)
	check(t, err, "ledger last seq")
	check(t, ps.WaitApplied(ctx, last), "projections catching up")
}

// ResetProjections stops the projector, deletes DIR/projections and
// projects the whole ledger into a fresh one, as a node does when its
// projections are deleted. Store, Projector, Bus and Deps are replaced;
// whatever was built on the old ones must be rebuilt (and closed first).
func (e *Env) ResetProjections(t testing.TB) {
	t.Helper()
	e.closeProjections(t)
	check(t, os.RemoveAll(filepath.Join(e.Dir, "projections")), "remove projections")
	e.openProjections(t)
}

// Replay projects the whole ledger with the registered read models into a
// fresh store in another temporary directory, alongside the running one,
// waits until it caught up and returns it. It is closed at cleanup.
func (e *Env) Replay(t testing.TB) *projections.Store {
	t.Helper()
	ps, err := projections.Open(filepath.Join(t.TempDir(), "replayed"))
	check(t, err, "open projections")
	p := projections.NewProjector(ps, e.Ledger, e.opts.Log)
	for _, r := range e.opts.Register {
		r(p)
	}
	stop := run(p)
	t.Cleanup(func() {
		stop()
		_ = ps.Close()
	})
	waitCaughtUp(t, e.Ledger, ps)
	return ps
}

// Restart stops the environment and starts it again on the same dir with
// the same options: the ledger is unsealed again (left sealed with
// Options.Sealed) and the projections catch up. Every field may change.
func (e *Env) Restart(t testing.TB) {
	t.Helper()
	e.Stop()
	e.start(t)
}

// Stop stops the projector and closes the ledger, the projections and the
// NATS server, so the files under Dir are complete. It is safe to call more
// than once.
func (e *Env) Stop() {
	if e.stopped {
		return
	}
	e.stopped = true
	if e.stopProjector != nil {
		e.stopProjector()
		e.stopProjector = nil
	}
	if e.Ledger != nil {
		e.Ledger.Close()
	}
	if e.Store != nil {
		_ = e.Store.Close()
	}
	if e.Conn != nil {
		e.Conn.Close()
	}
	if e.Server != nil {
		e.Server.Shutdown()
		e.Server.WaitForShutdown()
	}
	e.Server, e.Conn, e.Ledger, e.Store, e.Projector, e.Bus, e.Deps = nil, nil, nil, nil, nil, nil, framework.Deps{}
}

func (e *Env) closeProjections(t testing.TB) {
	t.Helper()
	if e.stopProjector != nil {
		e.stopProjector()
		e.stopProjector = nil
	}
	if e.Store != nil {
		check(t, e.Store.Close(), "close projections")
		e.Store = nil
	}
}

func check(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("ledgertest: %s: %v", what, err)
	}
}
