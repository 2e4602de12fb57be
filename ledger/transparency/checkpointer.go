package transparency

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/cofferhq/coffer/ledger"
)

// Defaults of Options.
const (
	DefaultEvery    = 1000
	DefaultInterval = 5 * time.Second
)

// Options tune a Checkpointer.
type Options struct {
	// Every: sign a checkpoint once this many messages arrived since the
	// last one (default DefaultEvery).
	Every int
	// Interval: sign one at this period when any message arrived since the
	// last one (default DefaultInterval).
	Interval time.Duration
	// Replicas of COFFER_CHECKPOINTS (default 1).
	Replicas int
	Log      *slog.Logger
}

// Status is what a checkpointer has done, for health and tests.
type Status struct {
	// TreeSize is how many ledger messages are hashed into the tree.
	TreeSize int64
	// Signed is the size of the last checkpoint signed or found at start.
	Signed int64
	// LastSeq is the ledger sequence of the last hashed message.
	LastSeq uint64
	// Hashed counts messages this run hashed (a restart resumes from the
	// leaf store instead of hashing the ledger again).
	Hashed int64
	// Checkpoints counts checkpoints this run published.
	Checkpoints int
	// VerifierKey is the public key checkpoints are signed with (empty
	// until Run has loaded it).
	VerifierKey string
}

// Checkpointer hashes every message of the ledger stream into the tree and
// publishes signed checkpoints. Run exactly one per cluster (a second one is
// detected through the leaf store's fence and stops with
// ErrConcurrentCheckpointer).
type Checkpointer struct {
	st   *ledger.Store
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	status Status

	// Owned by Run.
	signer   note.Signer
	tree     *tree
	pending  []pendingLeaf
	nextSeq  uint64
	chunkSeq uint64
	signed   int64
	hashed   int64
}

// NewCheckpointer prepares a checkpointer over st; Run starts it.
func NewCheckpointer(st *ledger.Store, opts Options) *Checkpointer {
	if opts.Every <= 0 {
		opts.Every = DefaultEvery
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Checkpointer{st: st, opts: opts, log: opts.Log.With("component", "checkpointer")}
}

// Status returns a snapshot of the counters.
func (c *Checkpointer) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Run hashes the ledger from where the leaf store ends and signs
// checkpoints until ctx ends. The ledger must be unsealed (the signing key
// is sealed by its barrier).
func (c *Checkpointer) Run(ctx context.Context) error {
	b := c.st.Barrier()
	if b == nil {
		return ErrSealed
	}
	js := c.st.JetStream()
	if _, err := ensureStream(ctx, js, c.opts.Replicas); err != nil {
		return err
	}
	signer, rec, err := loadOrCreateSigner(ctx, js, b)
	if err != nil {
		return err
	}
	c.signer = signer
	if err := c.resume(ctx, NewSource(js), rec); err != nil {
		return err
	}
	c.publishStatus(0, rec.VerifierKey)

	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs := make(chan Message, 1024)
	consumed := make(chan error, 1)
	go func() {
		consumed <- follow(cctx, js, ledger.StreamName, "", c.nextSeq, func(m Message, _ uint64) (bool, error) {
			select {
			case msgs <- m:
				return false, nil
			case <-cctx.Done():
				return true, cctx.Err()
			}
		})
	}()
	tick := time.NewTicker(c.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case m := <-msgs:
			if err := c.add(m); err != nil {
				return err
			}
			if c.tree.n-c.signed >= int64(c.opts.Every) {
				if err := c.flush(ctx); err != nil {
					return err
				}
			} else if len(c.pending) >= maxChunkLeaves {
				if err := c.publishChunk(ctx); err != nil {
					return err
				}
			}
		case <-tick.C:
			if c.tree.n > c.signed {
				if err := c.flush(ctx); err != nil {
					return err
				}
			}
		case err := <-consumed:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("transparency: ledger consumer: %w", err)
		case <-ctx.Done():
			// Sign what was hashed, so a clean stop leaves nothing
			// uncovered; a failure here only delays coverage to the next
			// start.
			if c.tree.n > c.signed {
				fctx, fcancel := context.WithTimeout(context.Background(), 5*time.Second)
				if err := c.flush(fctx); err != nil {
					c.log.Warn("final checkpoint failed", "err", err)
				}
				fcancel()
			}
			return ctx.Err()
		}
	}
}

// resume rebuilds the tree state from the last leaf chunk and checks it
// against the last checkpoint, so a restart costs two reads, not a re-hash.
func (c *Checkpointer) resume(ctx context.Context, src Source, rec KeyRecord) error {
	c.tree, c.nextSeq, c.chunkSeq, c.signed, c.pending = newTree(), 1, 0, 0, nil
	m, err := src.Last(ctx, StreamName, SubjectLeaves)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return err
	default:
		chunk, err := unmarshalChunk(m.Data)
		if err != nil {
			return err
		}
		if c.tree, err = treeFromFrontier(chunk.end(), chunk.Frontier); err != nil {
			return err
		}
		c.nextSeq, c.chunkSeq = chunk.NextSeq, m.Seq
	}
	last, err := src.Last(ctx, StreamName, SubjectCheckpoint)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	pub, err := rec.PublicKey()
	if err != nil {
		return err
	}
	cp, err := OpenCheckpoint(last.Data, pub)
	if err != nil {
		return fmt.Errorf("%w: last checkpoint: %v", ErrInconsistentState, err)
	}
	switch {
	case cp.Size > c.tree.n:
		return fmt.Errorf("%w: checkpoint covers %d leaves, leaf store %d", ErrInconsistentState, cp.Size, c.tree.n)
	case cp.Size == c.tree.n:
		root, err := c.tree.root()
		if err != nil {
			return err
		}
		if root != cp.Root {
			return fmt.Errorf("%w: root at %d", ErrInconsistentState, cp.Size)
		}
	}
	c.signed = cp.Size
	return nil
}

// pendingLeaf is a hashed leaf not yet in the leaf store.
type pendingLeaf struct {
	hash tlog.Hash
	seq  uint64
}

func (c *Checkpointer) add(m Message) error {
	if m.Seq < c.nextSeq {
		return nil // redelivered after a consumer reset
	}
	if m.Seq != c.nextSeq {
		// The stream denies deletes, so this is loss or tampering. Hash
		// what is stored (the leaf names its own sequence) and shout.
		c.log.Error("ledger sequence gap", "want", c.nextSeq, "got", m.Seq)
	}
	leaf := MessageLeafHash(m)
	if err := c.tree.add(leaf); err != nil {
		return err
	}
	c.pending = append(c.pending, pendingLeaf{hash: leaf, seq: m.Seq})
	c.nextSeq = m.Seq + 1
	c.hashed++
	return nil
}

// flush stores the pending leaves, then signs the tree. The order matters:
// a checkpoint is never ahead of the leaf store that localises tampering.
func (c *Checkpointer) flush(ctx context.Context) error {
	if err := c.publishChunk(ctx); err != nil {
		return err
	}
	if len(c.pending) > 0 {
		return nil // the leaf store is behind; sign once it caught up
	}
	root, err := c.tree.root()
	if err != nil {
		return err
	}
	size := c.tree.n
	msg, err := signCheckpoint(c.signer, size, root, time.Now())
	if err != nil {
		return err
	}
	if _, err := c.st.JetStream().Publish(ctx, SubjectCheckpoint, msg, jetstream.WithMsgID(fmt.Sprintf("checkpoint-%d", size))); err != nil {
		c.log.Warn("publish checkpoint failed; retrying later", "size", size, "err", err)
		return nil
	}
	c.signed = size
	c.publishStatus(1, "")
	return nil
}

// publishChunk appends the pending leaves to the leaf store, fenced on the
// last chunk this checkpointer saw.
func (c *Checkpointer) publishChunk(ctx context.Context) error {
	for len(c.pending) > 0 {
		n := min(len(c.pending), maxChunkLeaves)
		chunk := leafChunk{First: c.tree.n - int64(len(c.pending)), NextSeq: c.pending[n-1].seq + 1, Leaves: make([]tlog.Hash, n)}
		for i, p := range c.pending[:n] {
			chunk.Leaves[i] = p.hash
		}
		f, err := c.tree.frontierAt(chunk.end())
		if err != nil {
			return err
		}
		chunk.Frontier = f
		ack, err := c.st.JetStream().Publish(ctx, SubjectLeaves, chunk.marshal(),
			jetstream.WithMsgID(fmt.Sprintf("leaves-%d", chunk.end())),
			jetstream.WithExpectLastSequencePerSubject(c.chunkSeq))
		if isWrongLastSequence(err) {
			return ErrConcurrentCheckpointer
		}
		if err != nil {
			c.log.Warn("publish leaf chunk failed; retrying later", "end", chunk.end(), "err", err)
			return nil
		}
		c.chunkSeq = ack.Sequence
		c.pending = c.pending[n:]
	}
	c.pending = nil
	c.tree.mark()
	return nil
}

func (c *Checkpointer) publishStatus(newCheckpoints int, key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status.TreeSize, c.status.Signed, c.status.LastSeq, c.status.Hashed = c.tree.n, c.signed, c.nextSeq-1, c.hashed
	c.status.Checkpoints += newCheckpoints
	if key != "" {
		c.status.VerifierKey = key
	}
}
