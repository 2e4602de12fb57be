package ledger

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// HeaderEvents is a batch message's count of events, in clear beside the
// sealed body (the message's length says about as much), so that what is
// sized in events (the snapshot policy) can be measured from headers
// alone, without opening a message a second time. Like every stored
// header it is covered by the transparency log's leaf, so it cannot be
// changed unnoticed; it is a measure only, never trusted for state.
const HeaderEvents = "Coffer-Events"

// countWait bounds the wait for the next message of a count.
const countWait = 5 * time.Second

// ErrNoCount reports a count asked of a range the stream does not hold.
var ErrNoCount = errors.New("ledger: cannot count events")

// CountEvents returns how many events the batch and audit messages stored
// at sequences after..upTo (after excluded) carry, read from their headers
// only (HeaderEvents): no body is fetched or opened. A batch message
// written before the header existed counts as one event, so on an older
// ledger the count is low until its messages are behind the range;
// seal and keyring messages count nothing.
func (s *Store) CountEvents(ctx context.Context, after, upTo uint64) (uint64, error) {
	if upTo <= after {
		return 0, nil
	}
	// An empty range past the stream's end would leave the consumer
	// waiting for a message that never comes.
	last, err := s.LastSeq(ctx)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNoCount, err)
	}
	if after >= last {
		return 0, nil
	}
	// Nor must a range whose messages all aged out (audit retention):
	// the first message still stored after `after` says.
	first, err := s.stream.GetMsg(ctx, after+1, jetstream.WithGetMsgSubject(subjectsAll))
	if errors.Is(err, jetstream.ErrMsgNotFound) || (err == nil && first.Sequence > upTo) {
		return 0, nil
	}
	cons, err := s.js.OrderedConsumer(ctx, StreamName, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   after + 1,
		HeadersOnly:   true,
	})
	if err != nil {
		return 0, fmt.Errorf("%w: consumer: %v", ErrNoCount, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1024))
	if err != nil {
		return 0, fmt.Errorf("%w: consume: %v", ErrNoCount, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	var n uint64
	for {
		msg, err := it.Next(jetstream.NextMaxWait(countWait))
		if errors.Is(err, nats.ErrTimeout) {
			// The rest aged out while being read: what was counted is
			// the count.
			return n, nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			return 0, fmt.Errorf("%w: next: %v", ErrNoCount, err)
		}
		md, err := msg.Metadata()
		if err != nil {
			return 0, fmt.Errorf("%w: metadata: %v", ErrNoCount, err)
		}
		if md.Sequence.Stream > upTo {
			return n, nil
		}
		if msg.Subject() == SubjectBatch || msg.Subject() == SubjectAudit {
			c, err := strconv.ParseUint(msg.Headers().Get(HeaderEvents), 10, 32)
			if err != nil || c == 0 {
				c = 1
			}
			n += c
		}
		// NumPending: the messages from upTo on may be gone (expired).
		if md.Sequence.Stream == upTo || md.NumPending == 0 {
			return n, nil
		}
	}
}
