package transparency

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cofferhq/coffer/ledger"
)

const defaultDuplicates = 2 * time.Minute

// Source reads stored messages of the ledger and checkpoint streams. It
// needs no key: everything verification reads is ciphertext, hashes and
// signatures.
type Source interface {
	// Read calls fn for every message stored in stream (only those on
	// subject when it is not empty) in sequence order, up to the last one
	// stored when Read began. A missing stream reads as empty.
	Read(ctx context.Context, stream, subject string, fn func(ledger.Message) error) error
	// Get reads the message stored at seq; ErrNotFound when there is none.
	Get(ctx context.Context, stream string, seq uint64) (ledger.Message, error)
	// Last reads the last message on subject; ErrNotFound when there is
	// none.
	Last(ctx context.Context, stream, subject string) (ledger.Message, error)
}

// NewSource reads through a JetStream context: a running node's
// (ledger.Store.JetStream) or an offline copy's (OpenOffline).
func NewSource(js jetstream.JetStream) Source { return jsSource{js: js} }

type jsSource struct{ js jetstream.JetStream }

func (s jsSource) stream(ctx context.Context, name string) (jetstream.Stream, error) {
	st, err := s.js.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("transparency: stream %s: %w", name, err)
	}
	return st, nil
}

// readBatch is how many messages one pull asks for.
const readBatch = 4096

func (s jsSource) Read(ctx context.Context, name, subject string, fn func(ledger.Message) error) error {
	st, err := s.stream(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var last uint64
	if subject == "" {
		info, err := st.Info(ctx)
		if err != nil {
			return fmt.Errorf("transparency: stream %s info: %w", name, err)
		}
		if info.State.Msgs == 0 {
			return nil
		}
		last = info.State.LastSeq
	} else {
		m, err := s.Last(ctx, name, subject)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		last = m.Seq
	}
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	if subject != "" {
		cfg.FilterSubjects = []string{subject}
	}
	cons, err := s.js.OrderedConsumer(ctx, name, cfg)
	if err != nil {
		return fmt.Errorf("transparency: consumer on %s: %w", name, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(readBatch))
	if err != nil {
		return fmt.Errorf("transparency: read %s: %w", name, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("transparency: read %s: %w", name, err)
		}
		md, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("transparency: message metadata: %w", err)
		}
		m := ledger.Message{Seq: md.Sequence.Stream, Subject: msg.Subject(), MsgID: msg.Headers().Get(jetstream.MsgIDHeader), Data: msg.Data(), Stored: md.Timestamp}
		if err := fn(m); err != nil {
			return err
		}
		// NumPending guards against a last sequence that is no longer
		// stored (a tampered copy can lose its tail).
		if m.Seq >= last || md.NumPending == 0 {
			return nil
		}
	}
}

func (s jsSource) Get(ctx context.Context, name string, seq uint64) (ledger.Message, error) {
	st, err := s.stream(ctx, name)
	if err != nil {
		return ledger.Message{}, err
	}
	raw, err := st.GetMsg(ctx, seq)
	return rawMessage(raw, err, fmt.Sprintf("%s seq %d", name, seq))
}

func (s jsSource) Last(ctx context.Context, name, subject string) (ledger.Message, error) {
	st, err := s.stream(ctx, name)
	if err != nil {
		return ledger.Message{}, err
	}
	raw, err := st.GetLastMsgForSubject(ctx, subject)
	return rawMessage(raw, err, fmt.Sprintf("%s last on %s", name, subject))
}

func rawMessage(raw *jetstream.RawStreamMsg, err error, what string) (ledger.Message, error) {
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return ledger.Message{}, fmt.Errorf("%w: %s", ErrNotFound, what)
	}
	if err != nil {
		return ledger.Message{}, fmt.Errorf("transparency: %s: %w", what, err)
	}
	return ledger.Message{Seq: raw.Sequence, Subject: raw.Subject, MsgID: raw.Header.Get(jetstream.MsgIDHeader), Data: raw.Data, Stored: raw.Time}, nil
}
