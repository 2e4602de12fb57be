package election

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Defaults.
const (
	DefaultBucket = "COFFER_ELECTION"
	DefaultKey    = "singletons"
	DefaultTTL    = 6 * time.Second
)

// ErrNoHolder reports that nobody holds the lease right now.
var ErrNoHolder = errors.New("election: no node holds the lease")

// Options configure an Elector.
type Options struct {
	// Bucket and Key name the lease (DefaultBucket, DefaultKey).
	Bucket, Key string
	// NodeID names this node; a random suffix makes each process's
	// candidacy distinct, so a restarted node never mistakes an old lease
	// for its own.
	NodeID string
	// TTL is how long a lease lives without renewal (DefaultTTL).
	TTL time.Duration
	// Replicas of the bucket (the ledger's).
	Replicas int
	Log      *slog.Logger
}

// Elector campaigns for one lease and runs the leader's work while it
// holds it.
type Elector struct {
	kv   jetstream.KeyValue
	key  string
	id   string
	ttl  time.Duration
	tick time.Duration
	log  *slog.Logger

	mu      sync.Mutex
	leading bool
	token   uint64
}

// Open creates (or binds to) the lease bucket.
func Open(ctx context.Context, js jetstream.JetStream, o Options) (*Elector, error) {
	if o.Bucket == "" {
		o.Bucket = DefaultBucket
	}
	if o.Key == "" {
		o.Key = DefaultKey
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: o.Bucket, Description: "Coffer singleton lease", History: 1, TTL: o.TTL,
		Storage: jetstream.FileStorage, Replicas: max(o.Replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("election: lease bucket: %w", err)
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	return &Elector{kv: kv, key: o.Key, id: o.NodeID + "/" + hex.EncodeToString(suffix[:]), ttl: o.TTL, tick: o.TTL / 3, log: o.Log}, nil
}

// ID is this candidacy's id (node id and process suffix), as the lease
// shows it.
func (e *Elector) ID() string { return e.id }

// Leading reports whether this node holds the lease, and its fencing
// token (the lease's revision when last renewed).
func (e *Elector) Leading() (bool, uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.leading, e.token
}

// Holder reads who holds the lease now and its revision.
func (e *Elector) Holder(ctx context.Context) (string, uint64, error) {
	en, err := e.kv.Get(ctx, e.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", 0, ErrNoHolder
	}
	if err != nil {
		return "", 0, fmt.Errorf("election: read lease: %w", err)
	}
	return string(en.Value()), en.Revision(), nil
}

// Run campaigns until ctx ends. Whenever this node wins the lease it runs
// lead with a context that ends when the lease is lost (or ctx ends), and
// waits for lead to return before campaigning again.
func (e *Elector) Run(ctx context.Context, lead func(ctx context.Context)) {
	for ctx.Err() == nil {
		sent := time.Now()
		cctx, cancel := context.WithTimeout(ctx, e.tick)
		rev, err := e.kv.Create(cctx, e.key, []byte(e.id))
		cancel()
		if err == nil {
			e.hold(ctx, rev, sent, lead)
			continue
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && ctx.Err() == nil {
			e.log.Debug("election: campaign", "err", err)
		}
		if !sleep(ctx, e.tick) {
			return
		}
	}
}

// hold runs lead while renewing the lease; it returns once lead has
// returned after the lease was lost or ctx ended.
func (e *Elector) hold(ctx context.Context, rev uint64, renewed time.Time, lead func(context.Context)) {
	lctx, cancel := context.WithCancel(ctx)
	e.set(true, rev)
	e.log.Info("elected: running the singletons", "id", e.id, "token", rev)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(lctx)
	}()
	for {
		if !sleep(ctx, e.tick) {
			break
		}
		sent := time.Now()
		uctx, ucancel := context.WithTimeout(ctx, e.tick)
		next, err := e.kv.Update(uctx, e.key, []byte(e.id), rev)
		ucancel()
		if err == nil {
			rev, renewed = next, sent
			e.set(true, rev)
			continue
		}
		if ctx.Err() != nil {
			break
		}
		if lost(err) {
			e.log.Warn("election: lease taken by another node; stepping down", "id", e.id)
			break
		}
		// Unsure whether the renewal landed: keep leading only while the
		// last certain renewal is young enough that nobody else can hold
		// the lease yet.
		if time.Since(renewed) > e.ttl-e.tick {
			e.log.Warn("election: cannot renew the lease; stepping down", "id", e.id, "err", err)
			break
		}
	}
	cancel()
	<-done
	e.set(false, rev)
	if ctx.Err() != nil {
		// A clean stop hands over at once.
		dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = e.kv.Delete(dctx, e.key, jetstream.LastRevision(rev))
		dcancel()
	}
}

// lost reports an update refused because the lease is no longer ours: a
// newer revision exists, or it expired.
func lost(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return true
	}
	return errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyExists)
}

func (e *Elector) set(leading bool, token uint64) {
	e.mu.Lock()
	e.leading, e.token = leading, token
	e.mu.Unlock()
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
