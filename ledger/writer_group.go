package ledger

import (
	"fmt"
	"slices"
	"time"
)

// group is what one ledger message will hold: event requests packed
// together, or one raw append (seal and keyring records) on its own.
type group struct {
	reqs   []*appendReq
	raw    *appendReq
	staged map[string]uint64 // aggregate versions once this group is stored
	size   int
	events int
	// held counts requests that wait for Held.Commit: the group is not
	// published before it is zero.
	held int
	// refused are requests that conflict with a version this group (or
	// one before it) stores. They are answered once it is stored, so the
	// caller that reloads after ErrConflict finds that version applied
	// (LastCommitted covers it) instead of deciding on the same stale
	// state again.
	refused    []*appendReq
	refusedErr []error
}

// all is every request the group answers.
func (g *group) all() []*appendReq {
	base := g.reqs
	if g.raw != nil {
		base = []*appendReq{g.raw}
	}
	if len(g.refused) == 0 {
		return base
	}
	return append(append([]*appendReq(nil), base...), g.refused...)
}

func (g *group) fits(r *appendReq) bool {
	return g.raw == nil && len(g.reqs) < maxGroupRequests && (len(g.reqs) == 0 || g.size+r.size <= maxGroupBytes)
}

// batchPrefix and batchSuffix wrap the events' JSON exactly as
// json.Marshal(batchBody{...}) would (decodeBatch reads it back).
var (
	batchPrefix = []byte(fmt.Sprintf(`{"f":%d,"e":[`, batchFormat))
	batchSuffix = []byte(`]}`)
)

// appendBody appends the group's batch message before sealing to dst.
func (g *group) appendBody(dst []byte) []byte {
	dst = slices.Grow(dst, len(batchPrefix)+g.size+len(g.reqs)+len(batchSuffix))
	dst = append(dst, batchPrefix...)
	for i, r := range g.reqs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, r.encoded...)
	}
	return append(dst, batchSuffix...)
}

// encodeEvents is the JSON of events, comma separated: one request's part
// of a batch body (json.Marshal's bytes, written by appendEvent).
func encodeEvents(events []Event) ([]byte, error) {
	size := 0
	for i := range events {
		size += len(events[i].Data) + 256 // the envelope's fields, ids and time
	}
	buf := make([]byte, 0, size)
	var err error
	for i := range events {
		if i > 0 {
			buf = append(buf, ',')
		}
		if buf, err = appendEvent(buf, &events[i]); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// enqueue checks r's versions against everything that will be stored
// before it (the queued groups, the message in flight, the version map)
// and packs it into the last group, or a new one.
func (w *Writer) enqueue(queue []*group, fl *flight, r *appendReq) []*group {
	if err := r.ctx.Err(); err != nil {
		r.done <- appendResult{err: err}
		return queue
	}
	if r.raw != nil {
		return append(queue, &group{raw: r})
	}
	mine, err := w.check(r, queue, fl)
	if err != nil {
		if !isConflict(err) {
			r.done <- appendResult{err: err}
			return queue
		}
		w.count(func(s *WriterStats) { s.Conflicts++ })
		var last *group
		switch {
		case len(queue) > 0:
			last = queue[len(queue)-1]
		case fl != nil:
			last = fl.g
		default:
			r.done <- appendResult{err: err}
			return queue
		}
		last.refused = append(last.refused, r)
		last.refusedErr = append(last.refusedErr, err)
		return queue
	}
	var tail *group
	if n := len(queue); n > 0 && queue[n-1].fits(r) {
		tail = queue[n-1]
	} else {
		tail = &group{staged: map[string]uint64{}}
		queue = append(queue, tail)
	}
	for k, v := range mine {
		tail.staged[k] = v
	}
	tail.reqs = append(tail.reqs, r)
	tail.size += r.size
	tail.events += len(r.events)
	r.reserve(tail)
	return queue
}

// requeue rebuilds a queue from scratch against the current version map
// (after a re-sync): every request is checked again in its original order.
func (w *Writer) requeue(groups []*group) []*group {
	var queue []*group
	for _, g := range groups {
		for _, r := range g.all() {
			queue = w.enqueue(queue, nil, r)
		}
	}
	return queue
}

// check validates one request's versions and returns the versions it
// would set.
func (w *Writer) check(r *appendReq, queue []*group, fl *flight) (map[string]uint64, error) {
	mine := map[string]uint64{}
	for i := range r.events {
		e := &r.events[i]
		if e.Kind == "" {
			continue
		}
		key := e.AggregateKey()
		cur, ok := mine[key]
		if !ok {
			v, err := w.pendingVersion(key, e.Kind, e.Aggregate, queue, fl)
			if err != nil {
				return nil, err
			}
			cur = v
		}
		if e.Version != cur+1 {
			return nil, fmt.Errorf("%w: %s %s is at version %d, event expects %d", ErrConflict, e.Kind, e.Aggregate, cur, e.Version-1)
		}
		mine[key] = e.Version
	}
	return mine, nil
}

// pendingVersion is an aggregate's version once everything queued and in
// flight is stored.
func (w *Writer) pendingVersion(key, kind, id string, queue []*group, fl *flight) (uint64, error) {
	for i := len(queue) - 1; i >= 0; i-- {
		if v, ok := queue[i].staged[key]; ok {
			return v, nil
		}
	}
	if fl != nil {
		if v, ok := fl.g.staged[key]; ok {
			return v, nil
		}
	}
	if e, ok := w.versions[key]; ok {
		return e.version, nil
	}
	src := w.versionSource()
	if src == nil {
		return 0, nil
	}
	return src.AggregateVersion(kind, id)
}

func (w *Writer) waited(g *group, now time.Time) {
	var total time.Duration
	for _, r := range g.all() {
		total += now.Sub(r.queued)
	}
	w.count(func(s *WriterStats) { s.WaitNanos += uint64(total) })
}
