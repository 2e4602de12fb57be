package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Housekeeping erasures (KV versions pruned by max_versions, a trimmed
// transit key's retired data key) need not hold up the write that causes
// them, but must not be lost either: DestroyLater records them as jobs on a
// durable work queue, and the eraser works through it, so a crash between
// a write and its erasures only delays them. Concurrent DestroyLater calls
// share one job message (one fsync), and the eraser takes many jobs at a
// time and rewrites each block they touch once. An explicit destroy still
// erases before it returns.
const (
	eraseStream   = "COFFER_ERASE"
	eraseSubject  = "coffer.erase.jobs"
	eraseConsumer = "eraser"
	// eraseFetch is how many jobs the eraser takes at a time.
	eraseFetch = 256
)

type eraseJob struct {
	IDs []string `json:"ids"`
}

func createEraseQueue(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.Stream, error) {
	s, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        eraseStream,
		Description: "Coffer data keys waiting to be erased (ids only)",
		Subjects:    []string{eraseSubject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.WorkQueuePolicy,
		Replicas:    replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: create erase queue: %w", err)
	}
	return s, nil
}

// DestroyLater queues data keys for erasure; it returns once the job is
// stored. The keys stop being served from this node's cache at once.
func (d *DataKeys) DestroyLater(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := d.forget(ids); err != nil {
		return err
	}
	return d.queue.do(ctx, ids)
}

// forget stops serving ids from this node's cache, then says whether the
// storage guard lets them be erased now.
func (d *DataKeys) forget(ids []string) error {
	for _, id := range ids {
		d.cache.Delete(id)
	}
	return d.guard.state()
}

// storeJob stores the ids of every queued DestroyLater call as one job.
func (d *DataKeys) storeJob(reqs [][]string) []error {
	var job eraseJob
	for _, ids := range reqs {
		job.IDs = append(job.IDs, ids...)
	}
	errs := make([]error, len(reqs))
	body, err := json.Marshal(job)
	if err == nil {
		err = d.guard.check(len(body))
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
		_, err = d.js.Publish(ctx, eraseSubject, body)
		cancel()
		if err != nil {
			err = fmt.Errorf("ledger: queue erasure: %w", err)
		}
	}
	if err == nil {
		d.count(func(s *DataKeyStats) { s.Jobs++ })
	}
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// RunEraser erases queued data keys until ctx ends. Jobs whose erasure
// fails are redelivered after a delay; erasure is idempotent, so a job
// delivered twice does no harm. It outlives JetStream restarts (the
// storage guard's recovery) by binding to its consumer again.
func (d *DataKeys) RunEraser(ctx context.Context, log *slog.Logger) error {
	var cons jetstream.Consumer
	for ctx.Err() == nil {
		if cons == nil {
			c, err := d.erase.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
				Durable:   eraseConsumer,
				AckPolicy: jetstream.AckExplicitPolicy,
				AckWait:   time.Minute,
			})
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				log.Warn("eraser: cannot bind to the erase queue; retrying", "err", err)
				sleepCtx(ctx, time.Second)
				continue
			}
			cons = c
		}
		batch, err := cons.Fetch(eraseFetch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			cons = nil
			sleepCtx(ctx, 200*time.Millisecond)
			continue
		}
		var (
			msgs []jetstream.Msg
			jobs [][]string
		)
		for msg := range batch.Messages() {
			var job eraseJob
			if err := json.Unmarshal(msg.Data(), &job); err != nil {
				log.Error("eraser: unreadable job dropped", "err", err)
				_ = msg.Term()
				continue
			}
			msgs, jobs = append(msgs, msg), append(jobs, job.IDs)
		}
		if len(jobs) == 0 {
			continue
		}
		errs := d.eraser.doAll(ctx, jobs)
		for i, msg := range msgs {
			if errs[i] != nil {
				log.Warn("eraser: erasure failed; will retry", "keys", len(jobs[i]), "err", errs[i])
				_ = msg.NakWithDelay(time.Second)
				continue
			}
			_ = msg.Ack()
		}
	}
	return ctx.Err()
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
