package ledger

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Audit is fail-closed: no durable record, no response. On a full disk that
// promise must also be prompt, and must end by itself when space returns.
// Left alone, the embedded server does neither: a write that hits ENOSPC
// leaves a sticky write error in the stream's file store, later publishes
// get no answer at all (each waits for its timeout), and the error stays
// after space is freed (nats-server disables JetStream on storage errors
// only when clustered; on R1 the stream just goes silent).
//
// The storage guard therefore
//   - refuses a commit before it is published when the store's file
//     system has less than the reserve free (one statfs per commit), so the
//     server normally never meets ENOSPC and the projections keep room to
//     apply what was already committed;
//   - listens to the embedded server's error log, so a write error that
//     slipped past (another process filled the disk between statfs and
//     write) fails the commit in flight at once instead of after a timeout;
//   - polls the disk while tripped and, once the reserve is free again,
//     restarts JetStream in place (ShutdownJetStream, EnableJetStream: a
//     few milliseconds, streams reopened from disk, a torn last record
//     discarded) if the server had reported a write error, then lets the
//     writer re-sync from the stream.
//
// The guard exists only for the embedded server (Open finds it behind an
// in-process connection); an external server manages its own disk.
const (
	// DefaultDiskReserve is the free space a commit must leave on the
	// store's file system.
	DefaultDiskReserve = 64 << 20
	// guardPoll is how often a tripped guard looks at the disk again.
	guardPoll = 200 * time.Millisecond
	// recoverMargin is free space wanted beyond the reserve before a
	// tripped guard lets writes through again.
	recoverMargin = 4 << 20
)

type storageGuard struct {
	ns      *server.Server
	dir     string
	reserve atomic.Int64
	log     atomic.Pointer[slog.Logger]
	freeFn  func(dir string) (uint64, error)

	mu  sync.Mutex
	err error // non-nil while tripped
	// serverFailed: the server reported a write error; its file stores
	// stay broken until JetStream restarts.
	serverFailed bool
	// failed is closed when the server reports a write error, so the
	// writer stops waiting for an ack that will never come.
	failed     chan struct{}
	recovering bool
	// epoch counts recoveries; the writer re-syncs when it changes.
	epoch atomic.Uint64
	// recovered is closed at the next recovery (and then replaced), so
	// consumers bind to the restarted server at once.
	recovered chan struct{}
	closed    chan struct{}
}

func newStorageGuard(ns *server.Server) *storageGuard {
	g := &storageGuard{ns: ns, dir: ns.StoreDir(), freeFn: diskFree, failed: make(chan struct{}), closed: make(chan struct{}), recovered: make(chan struct{})}
	g.reserve.Store(DefaultDiskReserve)
	g.log.Store(slog.Default())
	ns.SetLoggerV2(serverLog{g}, false, false, false)
	return g
}

// check refuses a commit of need bytes when the guard is tripped or the
// disk would keep less than the reserve free.
func (g *storageGuard) check(need int) error {
	if g == nil {
		return nil
	}
	if err := g.state(); err != nil {
		return err
	}
	free, err := g.freeFn(g.dir)
	if err != nil {
		return nil // cannot tell: let the server decide
	}
	if reserve := uint64(g.reserve.Load()); free < reserve+uint64(need) {
		return g.trip(fmt.Errorf("%w: %s free on the data dir's file system, %s must stay free (%s)",
			ErrStorageFull, byteSize(free), byteSize(reserve), g.dir), false)
	}
	return nil
}

// state is the tripped error, without looking at the disk.
func (g *storageGuard) state() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// serverFailure is closed when the server reports a write error.
func (g *storageGuard) serverFailure() <-chan struct{} {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failed
}

func (g *storageGuard) trip(err error, serverFailed bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err = err
		g.log.Load().Error("ledger: storage unavailable; refusing requests until it recovers", "err", err)
	}
	if serverFailed && !g.serverFailed {
		g.serverFailed = true
		close(g.failed)
	}
	if !g.recovering {
		g.recovering = true
		go g.recover()
	}
	return g.err
}

// recover waits for the reserve to be free again, restarts JetStream if
// the server reported a write error, and clears the guard.
func (g *storageGuard) recover() {
	t := time.NewTicker(guardPoll)
	defer t.Stop()
	for {
		select {
		case <-g.closed:
			return
		case <-t.C:
		}
		free, err := g.freeFn(g.dir)
		// A little more than the reserve, so the guard does not flap.
		if err != nil || free < uint64(g.reserve.Load())*5/4+recoverMargin {
			continue
		}
		g.mu.Lock()
		restart := g.serverFailed
		g.mu.Unlock()
		if restart {
			if err := g.restartJetStream(); err != nil {
				g.log.Load().Error("ledger: restarting JetStream after a storage error failed; will retry", "err", err)
				continue
			}
		}
		g.mu.Lock()
		g.err, g.recovering = nil, false
		if g.serverFailed {
			g.serverFailed = false
			g.failed = make(chan struct{})
		}
		g.epoch.Add(1)
		g.mu.Unlock()
		g.log.Load().Info("ledger: storage available again; serving", "free", byteSize(free), "restarted_jetstream", restart)
		return
	}
}

func (g *storageGuard) restartJetStream() error {
	cfg := g.ns.JetStreamConfig()
	if cfg == nil {
		return fmt.Errorf("ledger: JetStream is not running")
	}
	if err := g.ns.ShutdownJetStream(); err != nil {
		return fmt.Errorf("ledger: shut down JetStream: %w", err)
	}
	// EnableJetStream appends "jetstream" to the directory it is given.
	if filepath.Base(cfg.StoreDir) == server.JetStreamStoreDir {
		cfg.StoreDir = filepath.Dir(cfg.StoreDir)
	}
	if err := g.ns.EnableJetStream(cfg); err != nil {
		return fmt.Errorf("ledger: enable JetStream: %w", err)
	}
	g.mu.Lock()
	close(g.recovered)
	g.recovered = make(chan struct{})
	g.mu.Unlock()
	return nil
}

func (g *storageGuard) close() {
	if g != nil {
		select {
		case <-g.closed:
		default:
			close(g.closed)
		}
	}
}

// onServerError sees every error the embedded server logs. Store write
// errors trip the guard; nothing else does.
func (g *storageGuard) onServerError(msg string) {
	lower := strings.ToLower(msg)
	if !strings.Contains(lower, "write error") && !strings.Contains(lower, "failed to store a msg") {
		return
	}
	sentinel := ErrStorageFailed
	if strings.Contains(lower, "no space left") {
		sentinel = ErrStorageFull
	}
	g.trip(fmt.Errorf("%w: the embedded NATS server could not write to %s", sentinel, g.dir), true)
}

// serverLog is the embedded server's logger: errors and warnings go to the
// guard and to slog; the rest is dropped, as NoLog did before.
type serverLog struct{ g *storageGuard }

func (l serverLog) Noticef(string, ...any) {}
func (l serverLog) Debugf(string, ...any)  {}
func (l serverLog) Tracef(string, ...any)  {}
func (l serverLog) Warnf(format string, v ...any) {
	l.g.log.Load().Warn("nats: " + fmt.Sprintf(format, v...))
}
func (l serverLog) Fatalf(format string, v ...any) { l.Errorf(format, v...) }
func (l serverLog) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.g.log.Load().Error("nats: " + msg)
	l.g.onServerError(msg)
}

type byteSize uint64

func (b byteSize) String() string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", uint64(b))
}

// StorageError reports why the ledger refuses writes right now (a full or
// failing disk under the embedded server), or nil. It does not look at
// the disk; health checks can call it freely.
func (s *Store) StorageError() error { return s.guard.state() }

// SetDiskReserve sets how much free space every commit must leave on the
// embedded server's file system (DefaultDiskReserve unless set). It has no
// effect with an external NATS server.
func (s *Store) SetDiskReserve(bytes int64) {
	if s.guard != nil {
		s.guard.reserve.Store(bytes)
	}
}

// SetLogger directs the ledger's own log lines (storage trips and
// recoveries, the embedded server's errors) to log.
func (s *Store) SetLogger(log *slog.Logger) {
	if s.guard != nil && log != nil {
		s.guard.log.Store(log)
	}
}

// recovery is closed when the guard next restarts JetStream (never
// without a guard).
func (g *storageGuard) recovery() <-chan struct{} {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.recovered
}

// currentEpoch counts the guard's recoveries (0 without a guard).
func (g *storageGuard) currentEpoch() uint64 {
	if g == nil {
		return 0
	}
	return g.epoch.Load()
}
