package lease

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/ledger"
)

// The reaper's jobs live in their own work-queue stream: one message per
// revocation to do, removed when acknowledged. The lease id travels sealed
// by the barrier, and the subject names nothing.
const (
	reaperStream   = "COFFER_REAPER"
	reaperSubject  = "coffer.reaper.jobs"
	reaperConsumer = "reaper"
)

var jobAAD = []byte("coffer-reaper-job")

type reaper struct {
	m      *Manager
	js     jetstream.JetStream
	stream jetstream.Stream
}

func newReaper(ctx context.Context, m *Manager) (*reaper, error) {
	js := m.deps.Ledger.JetStream()
	stream, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        reaperStream,
		Description: "Coffer lease revocation jobs",
		Subjects:    []string{reaperSubject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.WorkQueuePolicy,
		Duplicates:  2 * time.Minute,
		Replicas:    max(m.deps.Ledger.Replicas(), 1),
	})
	if err != nil {
		return nil, fmt.Errorf("lease: reaper stream: %w", err)
	}
	return &reaper{m: m, js: js, stream: stream}, nil
}

// enqueue adds a revocation job. The message id is derived from the lease
// id, so enqueuing the same lease twice within the duplicate window stores
// one job.
func (r *reaper) enqueue(ctx context.Context, id string) error {
	b := r.m.deps.Ledger.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	msgID := "revoke-" + hex.EncodeToString(b.HMAC("reaper-job", id)[:16])
	if _, err := r.js.Publish(ctx, reaperSubject, b.Seal(jobAAD, []byte(id)), jetstream.WithMsgID(msgID)); err != nil {
		return fmt.Errorf("lease: enqueue revocation: %w", err)
	}
	return nil
}

// run consumes jobs until ctx ends.
func (r *reaper) run(ctx context.Context) error {
	cons, err := r.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       reaperConsumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       r.m.opts.RevokeTimeout + 30*time.Second,
		MaxDeliver:    -1,
		MaxAckPending: 256,
	})
	if err != nil {
		return fmt.Errorf("lease: reaper consumer: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("lease: reaper messages: %w", err)
	}
	go func() { <-ctx.Done(); it.Stop() }()
	// Jobs run on a bounded set of workers: a revocation waits on the
	// database and on the ledger, and one slow (or failing) database must
	// not hold up the leases of every other.
	sem := make(chan struct{}, r.m.opts.ReaperWorkers)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			r.m.deps.Log.Warn("reaper: next job", "err", err)
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.handle(ctx, msg)
		}()
	}
}

func (r *reaper) handle(ctx context.Context, msg jetstream.Msg) {
	b := r.m.deps.Ledger.Barrier()
	raw, err := b.Open(jobAAD, msg.Data())
	if err != nil {
		r.m.deps.Log.Error("reaper: unreadable job dropped", "err", err)
		_ = msg.Term()
		return
	}
	id := string(raw)
	st, err := r.m.get(id)
	if errors.Is(err, leaseevent.ErrNotFound) {
		_ = msg.Ack()
		return
	}
	if err != nil {
		_ = msg.NakWithDelay(r.m.opts.BackoffBase)
		return
	}
	if !st.Live() {
		_ = msg.Ack()
		return
	}
	reason := "expired"
	if st.State == leaseevent.StatePending {
		reason = "rollback"
	}
	if err := r.m.revokeNow(ctx, st, reason); err != nil {
		attempt := st.Attempts + 1
		delay := r.backoff(attempt)
		r.m.deps.Log.Warn("reaper: revocation failed; will retry", "lease", id, "attempt", attempt, "retry_in", delay, "err", err)
		_ = msg.NakWithDelay(delay)
		return
	}
	_ = msg.Ack()
}

func (r *reaper) backoff(attempt int) time.Duration {
	d := r.m.opts.BackoffBase
	for i := 1; i < attempt && d < r.m.opts.BackoffMax; i++ {
		d *= 2
	}
	if d > r.m.opts.BackoffMax {
		d = r.m.opts.BackoffMax
	}
	return d
}
