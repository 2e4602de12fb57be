package archive

import (
	"context"
	"sync"
	"time"

	"github.com/cofferhq/coffer/ledger"
)

// Reader reads archived messages back for the ledger
// (ledger.Store.SetArchive): what aged out of the stream, for replaying
// old periods. It does not verify segments (Verify does); their messages
// are sealed, so the ledger's Decode still refuses one that was forged.
type Reader struct {
	st Store

	mu    sync.Mutex
	spans []span
	last  *Segment // the segment read last: reads go forward
}

// NewReader reads the archive in st.
func NewReader(st Store) *Reader { return &Reader{st: st} }

// readTimeout bounds one read of the archive: Archived has no context
// (ledger.ArchiveSource), and a store that hangs must not hold a reader
// of the ledger for ever.
const readTimeout = time.Minute

// Archived returns the archived messages stored at from..to, in order.
func (r *Reader) Archived(from, to uint64) ([]ledger.Message, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	if n := len(r.spans); n == 0 || r.spans[n-1].last < to {
		// Segments are only ever added: list again when the range goes
		// past the newest one known.
		names, err := r.st.List(ctx)
		if err != nil {
			return nil, err
		}
		r.spans = r.spans[:0]
		for _, name := range names {
			first, last, _ := parseName(name)
			r.spans = append(r.spans, span{name: name, first: first, last: last})
		}
	}
	var out []ledger.Message
	for _, sp := range r.spans {
		if sp.last < from || sp.first > to {
			continue
		}
		if r.last == nil || r.last.Name != sp.name {
			s, err := Read(ctx, r.st, sp.name)
			if err != nil {
				return nil, err
			}
			r.last = &s
		}
		for _, m := range r.last.Messages {
			if m.Seq >= from && m.Seq <= to {
				out = append(out, ledger.Message{Seq: m.Seq, Subject: m.Subject, MsgID: m.MsgID(), Data: m.Data, Stored: m.Stored})
			}
		}
	}
	return out, nil
}
