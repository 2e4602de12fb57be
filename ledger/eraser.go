package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Erasing a data key is a JetStream secure delete, measured here at
// ~750 µs and serialised in the server. Housekeeping erasures (KV versions
// pruned by max_versions, a trimmed transit key's retired data key) need
// not hold up the write that causes them, but must not be lost either:
// DestroyLater records them as jobs on a durable work queue, and the eraser
// works through it, so a crash between a write and its erasures only
// delays them. An explicit destroy still erases synchronously.
const (
	eraseStream   = "COFFER_ERASE"
	eraseSubject  = "coffer.erase.jobs"
	eraseConsumer = "eraser"
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
	for _, id := range ids {
		d.cache.Delete(id)
	}
	body, err := json.Marshal(eraseJob{IDs: ids})
	if err != nil {
		return err
	}
	if _, err := d.js.Publish(ctx, eraseSubject, body); err != nil {
		return fmt.Errorf("ledger: queue erasure: %w", err)
	}
	return nil
}

// RunEraser erases queued data keys until ctx ends. A job whose erasure
// fails is redelivered after a delay; erasure is idempotent, so a job
// delivered twice does no harm.
func (d *DataKeys) RunEraser(ctx context.Context, log *slog.Logger) error {
	cons, err := d.erase.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:   eraseConsumer,
		AckPolicy: jetstream.AckExplicitPolicy,
		AckWait:   time.Minute,
	})
	if err != nil {
		return fmt.Errorf("ledger: eraser consumer: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("ledger: eraser messages: %w", err)
	}
	go func() { <-ctx.Done(); it.Stop() }()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			continue
		}
		var job eraseJob
		if err := json.Unmarshal(msg.Data(), &job); err != nil {
			log.Error("eraser: unreadable job dropped", "err", err)
			_ = msg.Term()
			continue
		}
		var failed error
		for _, id := range job.IDs {
			if err := d.Destroy(ctx, id); err != nil {
				failed = err
			}
		}
		if failed != nil {
			log.Warn("eraser: erasure failed; will retry", "keys", len(job.IDs), "err", failed)
			_ = msg.NakWithDelay(time.Second)
			continue
		}
		_ = msg.Ack()
	}
}
