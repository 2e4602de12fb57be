package ledger

import (
	"context"
	"time"
)

// EraseSoon is for erasures whose durable record is elsewhere: a KV
// version pruned by max_versions is recorded destroyed by the very ledger
// message that stores the write, and the kv read model keeps the key as
// pending until a sweep has seen it erased. Queuing a job on the erase
// stream (DestroyLater) would cost such a write a second fsync before it is
// answered, for a record the ledger already holds.
//
// EraseSoon returns at once. The keys stop being served from this node's
// cache at once; they are erased within about soonDelay, all the ids
// queued meanwhile together, so each block they touch is rewritten once,
// or only deleted when all its keys go. Erasing in fewer, larger groups
// leaves the disk to the ledger's fsyncs: a secure delete rewrites (and
// fsyncs) the whole file of the stream that holds the message, up to
// 8 MiB, and a rewrite adds one. Overwrites of 1,000 keys at ~1,000/s did
// 175 block rewrites in 15 s with a 200 ms delay, 55 with 2 s. An id whose
// erasure fails or is lost with the process is the caller's durable
// record's to retry.
const soonDelay = 2 * time.Second

// EraseSoon queues data keys for erasure in the background.
func (d *DataKeys) EraseSoon(ids ...string) {
	if len(ids) == 0 {
		return
	}
	for _, id := range ids {
		d.cache.Delete(id)
	}
	d.soonMu.Lock()
	defer d.soonMu.Unlock()
	d.soon = append(d.soon, ids...)
	if !d.soonTimer {
		d.soonTimer = true
		time.AfterFunc(soonDelay, d.flushSoon)
	}
}

func (d *DataKeys) flushSoon() {
	d.soonMu.Lock()
	ids := d.soon
	d.soon, d.soonTimer = nil, false
	d.soonMu.Unlock()
	if len(ids) == 0 || d.guard.state() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*apiTimeout)
	defer cancel()
	_ = d.eraser.do(ctx, ids)
}

// DestroyAll erases data keys as Destroy does, all in one group: each
// block they are in is rewritten once. It returns once they are erased.
func (d *DataKeys) DestroyAll(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := d.forget(ids); err != nil {
		return err
	}
	return d.eraser.do(ctx, ids)
}
