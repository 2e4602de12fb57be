package transparency

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const defaultDuplicates = 2 * time.Minute

// Message is one stored message with everything the tree commits to.
type Message struct {
	Seq     uint64
	Subject string
	// Header holds the stored headers (Nats-Msg-Id and the publish
	// controls), without those a direct get adds.
	Header nats.Header
	// Data is the payload as stored: ciphertext for ledger batches.
	Data   []byte
	Stored time.Time
}

// MsgID is the Nats-Msg-Id header.
func (m Message) MsgID() string { return m.Header.Get(jetstream.MsgIDHeader) }

// Source reads stored messages of the ledger and checkpoint streams. It
// needs no key: everything verification reads is ciphertext, hashes and
// signatures.
type Source interface {
	// Read calls fn for every message stored in stream (only those on
	// subject when it is not empty) in sequence order, up to the last one
	// stored when Read began. A missing stream reads as empty.
	Read(ctx context.Context, stream, subject string, fn func(Message) error) error
	// Get reads the message stored at seq; ErrNotFound when there is none.
	Get(ctx context.Context, stream string, seq uint64) (Message, error)
	// Last reads the last message on subject; ErrNotFound when there is
	// none.
	Last(ctx context.Context, stream, subject string) (Message, error)
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

func (s jsSource) Read(ctx context.Context, name, subject string, fn func(Message) error) error {
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
	return follow(ctx, s.js, name, subject, 1, func(m Message, pending uint64) (bool, error) {
		// pending guards against a last sequence that is no longer stored
		// (a tampered copy can lose its tail).
		return m.Seq >= last || pending == 0, fn(m)
	})
}

// readBatch is how many messages one pull asks for.
const readBatch = 4096

// follow delivers stream messages from sequence from on, in order, through
// an ordered consumer, until fn says done, fails, or ctx ends. pending is how
// many more messages were stored when m was delivered.
func follow(ctx context.Context, js jetstream.JetStream, stream, subject string, from uint64, fn func(m Message, pending uint64) (done bool, err error)) error {
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 1 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	}
	if subject != "" {
		cfg.FilterSubjects = []string{subject}
	}
	cons, err := js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return fmt.Errorf("transparency: consumer on %s: %w", stream, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(readBatch))
	if err != nil {
		return fmt.Errorf("transparency: read %s: %w", stream, err)
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
			return fmt.Errorf("transparency: read %s: %w", stream, err)
		}
		md, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("transparency: message metadata: %w", err)
		}
		m := Message{Seq: md.Sequence.Stream, Subject: msg.Subject(), Header: msg.Headers(), Data: msg.Data(), Stored: md.Timestamp}
		done, err := fn(m, md.NumPending)
		if err != nil || done {
			return err
		}
	}
}

func (s jsSource) Get(ctx context.Context, name string, seq uint64) (Message, error) {
	st, err := s.stream(ctx, name)
	if err != nil {
		return Message{}, err
	}
	raw, err := st.GetMsg(ctx, seq)
	return rawMessage(raw, err, fmt.Sprintf("%s seq %d", name, seq))
}

func (s jsSource) Last(ctx context.Context, name, subject string) (Message, error) {
	st, err := s.stream(ctx, name)
	if err != nil {
		return Message{}, err
	}
	raw, err := st.GetLastMsgForSubject(ctx, subject)
	return rawMessage(raw, err, fmt.Sprintf("%s last on %s", name, subject))
}

// directGetHeaders are added by the server to a direct get's answer; they
// describe the message, they are not stored with it.
var directGetHeaders = []string{
	jetstream.StreamHeader, jetstream.SequenceHeader, jetstream.TimeStampHeaer, jetstream.SubjectHeader,
	"Nats-Last-Sequence", "Nats-Num-Pending", "Nats-UpTo-Sequence",
}

func rawMessage(raw *jetstream.RawStreamMsg, err error, what string) (Message, error) {
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return Message{}, fmt.Errorf("%w: %s", ErrNotFound, what)
	}
	if err != nil {
		return Message{}, fmt.Errorf("transparency: %s: %w", what, err)
	}
	hdr := raw.Header
	if hdr.Get(jetstream.StreamHeader) != "" {
		stored := make(nats.Header, len(hdr))
		for k, v := range hdr {
			stored[k] = v
		}
		for _, k := range directGetHeaders {
			delete(stored, k)
		}
		hdr = stored
	}
	return Message{Seq: raw.Sequence, Subject: raw.Subject, Header: hdr, Data: raw.Data, Stored: raw.Time}, nil
}
