package archive

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/transparency"
)

// Defaults.
const (
	// DefaultDirName is the archive's directory under the data dir.
	DefaultDirName = "audit-archive"
	// DefaultMaxMessages is how many audit messages a segment holds at
	// most (at ~38 records a message under load, ~2 million records).
	DefaultMaxMessages = 50_000
	// maxFlushAge caps how long audit messages wait in memory before
	// their segment is written.
	maxFlushAge = time.Hour
)

// Options configure an Archiver.
type Options struct {
	// Store holds the segments (Dir, S3).
	Store Store
	// Retention is the ledger's audit retention: messages are archived
	// well before it (a segment is written once its oldest message is a
	// quarter of it old, at most an hour).
	Retention time.Duration
	// MaxMessages bounds a segment (DefaultMaxMessages).
	MaxMessages int
	Log         *slog.Logger
}

// Archiver copies the ledger's audit messages, as stored, into archive
// segments before their retention ends. It runs on one node (a
// singleton): two archivers would write the same segments, and the
// second write of a name is refused (ErrExists).
type Archiver struct {
	l   *ledger.Store
	src transparency.Source
	o   Options
}

// New returns an archiver of l's audit messages.
func New(l *ledger.Store, o Options) *Archiver {
	o.MaxMessages = cmp.Or(o.MaxMessages, DefaultMaxMessages)
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Archiver{l: l, src: transparency.NewSource(l.JetStream()), o: o}
}

// flushAge is how old the oldest pending message gets before its segment
// is written; a segment waits up to twice that for a checkpoint that
// covers it.
func (a *Archiver) flushAge() time.Duration {
	if a.o.Retention <= 0 {
		return maxFlushAge
	}
	return min(a.o.Retention/4, maxFlushAge)
}

// tip is the newest segment: where the next one starts and what it
// chains to.
type tip struct {
	name, digest string
	last         uint64
}

// Run archives until ctx ends. It resumes after the newest segment in
// the directory; a newest segment that does not read stops it (an
// operator must look: archiving past it would chain to a guess).
func (a *Archiver) Run(ctx context.Context) error {
	var t tip
	names, err := a.o.Store.List(ctx)
	if err != nil {
		return err
	}
	if n := len(names); n > 0 {
		s, err := Read(ctx, a.o.Store, names[n-1])
		if err != nil {
			return err
		}
		t = tip{name: s.Name, digest: s.Digest, last: s.Last}
	}
	cons, err := a.l.JetStream().OrderedConsumer(ctx, ledger.StreamName, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{ledger.SubjectAudit},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    t.last + 1,
	})
	if err != nil {
		return fmt.Errorf("archive: consumer: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1024))
	if err != nil {
		return fmt.Errorf("archive: consume: %w", err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	check := min(a.flushAge()/4, time.Second)
	var pending []transparency.Message
	for {
		msg, err := it.Next(jetstream.NextMaxWait(check))
		switch {
		case errors.Is(err, nats.ErrTimeout):
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("archive: next: %w", err)
		default:
			md, err := msg.Metadata()
			if err != nil {
				return fmt.Errorf("archive: metadata: %w", err)
			}
			pending = append(pending, transparency.Message{Seq: md.Sequence.Stream, Subject: msg.Subject(), Header: msg.Headers(), Data: msg.Data(), Stored: md.Timestamp})
		}
		if len(pending) == 0 {
			continue
		}
		age := time.Since(pending[0].Stored)
		if len(pending) < a.o.MaxMessages && age < a.flushAge() {
			continue
		}
		next, written, err := a.flush(ctx, t, pending, age >= 2*a.flushAge() || len(pending) >= 2*a.o.MaxMessages)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			a.o.Log.Error("audit archive: segment not written; retrying", "first", t.last+1, "messages", len(pending), "err", err)
			continue
		}
		if written {
			t, pending = next, nil
		}
	}
}

// flush writes pending as the segment after t once a signed checkpoint
// covers its last message, or at once when anyway is set (the
// checkpointer is behind or stopped; the segment then carries the newest
// checkpoint there is, and later checkpoints cover it).
func (a *Archiver) flush(ctx context.Context, t tip, pending []transparency.Message, anyway bool) (tip, bool, error) {
	last := pending[len(pending)-1].Seq
	cp, err := a.latestCheckpoint(ctx)
	if err != nil && !anyway {
		return t, false, nil
	}
	if cp.Size < int64(last) && !anyway {
		return t, false, nil
	}
	h := header{Format: segmentFormat, First: t.last + 1, Last: last, Count: len(pending), Prev: t.name, PrevDigest: t.digest, Created: time.Now().UTC()}
	tr := trailer{Checkpoint: cp.Note}
	for _, m := range pending {
		tr.Leaves = append(tr.Leaves, leafHex(m))
	}
	body, err := encode(h, pending, tr)
	if err != nil {
		return t, false, err
	}
	name := segmentName(h.First, h.Last)
	if err := a.o.Store.Put(ctx, name, body); err != nil {
		return t, false, err
	}
	a.o.Log.Info("audit archive: segment written", "segment", name, "messages", len(pending), "covered", cp.Size >= int64(last))
	return tip{name: name, digest: digestHex(body), last: last}, true, nil
}

// latestCheckpoint is the newest signed checkpoint, checked under the
// recorded key (an archive of forged checkpoints would fail Verify).
func (a *Archiver) latestCheckpoint(ctx context.Context) (transparency.Checkpoint, error) {
	rec, err := transparency.StoredKey(ctx, a.src)
	if err != nil {
		return transparency.Checkpoint{}, err
	}
	pub, err := rec.PublicKey()
	if err != nil {
		return transparency.Checkpoint{}, err
	}
	m, err := a.src.Last(ctx, transparency.StreamName, transparency.SubjectCheckpoint)
	if err != nil {
		return transparency.Checkpoint{}, err
	}
	return transparency.OpenCheckpoint(m.Data, pub)
}
