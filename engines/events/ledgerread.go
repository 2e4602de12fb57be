package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/ledger"
)

// errStop ends a ledger read from inside its callback.
var errStop = errors.New("events: stop reading")

// readRange decodes every message with index in [from, to], in order, and
// calls fn with its records. to must be stored already (it is at most the
// ledger's last index), or the read would wait for it.
func readRange(ctx context.Context, l *ledger.Store, from, to uint64, fn func(m ledger.Message, recs []ledger.Record) error) error {
	if from == 0 {
		from = 1
	}
	if from > to {
		return nil
	}
	err := l.ConsumeWithArchive(ctx, from, func(m ledger.Message) error {
		if m.Seq < from {
			return nil
		}
		recs, err := l.Decode(m)
		if err != nil {
			return fmt.Errorf("events: decode %d: %w", m.Seq, err)
		}
		if err := fn(m, recs); err != nil {
			return err
		}
		if m.Seq >= to {
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// firstStoredAfter returns the first index whose message was stored at or
// after t (strict=false) or strictly after t (strict=true), or last+1 when
// there is none. Stored times grow with the index, so a binary search
// costs O(log n) single-message reads.
func firstStoredAfter(ctx context.Context, l *ledger.Store, t time.Time, strict bool) (uint64, error) {
	last, err := l.LastSeq(ctx)
	if err != nil {
		return 0, err
	}
	lo, hi := uint64(1), last+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		m, err := l.Get(ctx, mid)
		if err != nil {
			return 0, err
		}
		after := !m.Stored.Before(t)
		if strict {
			after = m.Stored.After(t)
		}
		if after {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// position is an index-or-time parameter (since, until, at).
type position struct {
	index  uint64
	time   time.Time
	isTime bool
}

func parsePosition(s string) (position, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return position{index: n}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return position{}, fmt.Errorf("%w: %q is neither a ledger index nor an RFC 3339 time", ErrBadCursor, s)
	}
	return position{time: t, isTime: true}, nil
}

// firstIndex is the first index a "since" position includes.
func (p position) firstIndex(ctx context.Context, l *ledger.Store) (uint64, error) {
	if !p.isTime {
		return max(p.index, 1), nil
	}
	return firstStoredAfter(ctx, l, p.time, false)
}

// lastIndex is the last index an "until"/"at" position includes.
func (p position) lastIndex(ctx context.Context, l *ledger.Store) (uint64, error) {
	if !p.isTime {
		return p.index, nil
	}
	first, err := firstStoredAfter(ctx, l, p.time, true)
	if err != nil {
		return 0, err
	}
	return first - 1, nil
}
