package ledger

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// SubjectAudit holds audit records that may age out: with an audit
// retention set, a group's audit records are published here with a
// per-message TTL, apart from its domain events (SubjectBatch, kept
// forever). Sealed and encoded as batch messages are.
const SubjectAudit = "coffer.ledger.audit"

// Headers of the audit messages.
const (
	// HeaderCommit names, on an audit message published together with a
	// domain message, that message's Nats-Msg-Id: the domain message is
	// the group's commit, and an audit message whose commit is not stored
	// right after it holds records of requests that were not committed
	// (a failure between the two writes; the requests were retried or
	// answered with the error).
	HeaderCommit = "Coffer-Commit"
	// headerTTL is JetStream's per-message TTL (the stream allows it
	// only when a retention was ever set).
	headerTTL = "Nats-TTL"
)

var (
	auditTypesMu sync.RWMutex
	auditTypes   = map[string]bool{}
)

// RegisterAuditRecordType marks events of type typ as audit records: with
// an audit retention set, they leave the hot ledger after it (and the
// archiver keeps them). Domain events are never registered: they are
// state. Called at package init by the package that owns the type.
func RegisterAuditRecordType(typ string) {
	auditTypesMu.Lock()
	auditTypes[typ] = true
	auditTypesMu.Unlock()
}

func isAuditRecord(typ string) bool {
	auditTypesMu.RLock()
	defer auditTypesMu.RUnlock()
	return auditTypes[typ]
}

// AuditRetention is how long audit records stay in the stream; 0 keeps
// them forever.
func (s *Store) AuditRetention() time.Duration { return s.retention }

// ttlValue is a retention as Nats-TTL takes it: whole seconds, at least 1.
func ttlValue(d time.Duration) string {
	return fmt.Sprintf("%ds", max(int64((d+time.Second-1)/time.Second), 1))
}

// splitBodies is the group's batch body split into its audit records and
// its domain events (either nil when there is none), and how many events
// each holds. A request's encoded events are cut at their top-level
// commas, not decoded again: the writer only concatenates.
func (g *group) splitBodies() (audit, domain []byte, nAudit, nDomain int) {
	var a, d [][]byte
	for _, r := range g.reqs {
		kinds, mixed := 0, false
		for i := range r.events {
			if isAuditRecord(r.events[i].Type) {
				kinds |= 1
			} else {
				kinds |= 2
			}
		}
		mixed = kinds == 3
		switch {
		case !mixed && kinds == 1:
			a, nAudit = append(a, r.encoded), nAudit+len(r.events)
		case !mixed:
			d, nDomain = append(d, r.encoded), nDomain+len(r.events)
		default:
			parts := splitTopLevel(r.encoded, len(r.events))
			if len(parts) != len(r.events) {
				// Not what encodeEvents writes: encode them again
				// rather than cut in the wrong place.
				parts = parts[:0]
				for i := range r.events {
					b, _ := encodeEvents(r.events[i : i+1]) // encoded once already: cannot fail
					parts = append(parts, b)
				}
			}
			for i := range r.events {
				if isAuditRecord(r.events[i].Type) {
					a, nAudit = append(a, parts[i]), nAudit+1
				} else {
					d, nDomain = append(d, parts[i]), nDomain+1
				}
			}
		}
	}
	return joinBody(a), joinBody(d), nAudit, nDomain
}

func joinBody(parts [][]byte) []byte {
	if len(parts) == 0 {
		return nil
	}
	n := len(batchPrefix) + len(batchSuffix) + len(parts)
	for _, p := range parts {
		n += len(p)
	}
	buf := append(make([]byte, 0, n), batchPrefix...)
	for i, p := range parts {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, p...)
	}
	return append(buf, batchSuffix...)
}

// splitTopLevel cuts comma-separated JSON objects (encodeEvents' output)
// into n parts. It tracks strings and nesting only: the input is what
// json.Marshal wrote, so it is well formed.
func splitTopLevel(b []byte, n int) [][]byte {
	out := make([][]byte, 0, n)
	depth, inStr, esc, start := 0, false, false, 0
	for i, c := range b {
		switch {
		case esc:
			esc = false
		case inStr:
			switch c {
			case '\\':
				esc = true
			case '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, b[start:i])
			start = i + 1
		}
	}
	return append(out, b[start:])
}

// ArchiveSource returns archived ledger messages (package archive): those
// stored at from..to that aged out of the stream and were archived first.
type ArchiveSource interface {
	Archived(from, to uint64) ([]Message, error)
}

// SetArchive attaches the archive ConsumeWithArchive reads aged-out
// messages from; nil detaches it.
func (s *Store) SetArchive(a ArchiveSource) {
	s.mu.Lock()
	s.archive = a
	s.mu.Unlock()
}

func (s *Store) archiveSource() ArchiveSource {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.archive
}

// ConsumeWithArchive is Consume with the indexes that aged out of the
// stream read from the attached archive, in order, where it holds them:
// what reads history for an auditor (replay) sees old periods whole.
// The projector does not use it: audit records are no state.
func (s *Store) ConsumeWithArchive(ctx context.Context, from uint64, fn func(Message) error) error {
	a := s.archiveSource()
	if a == nil {
		return s.Consume(ctx, from, fn)
	}
	next := max(from, 1)
	return s.Consume(ctx, from, func(m Message) error {
		if m.Seq < next {
			return nil
		}
		// A message with no subject stands for an expired tail ending at
		// its index (expiredTail): the archive may hold that index too.
		upTo := m.Seq - 1
		if m.Subject == "" {
			upTo = m.Seq
		}
		if upTo >= next {
			old, err := a.Archived(next, upTo)
			if err != nil {
				return fmt.Errorf("ledger: archive %d..%d: %w", next, upTo, err)
			}
			for _, am := range old {
				if am.Seq < next || am.Seq > upTo {
					continue
				}
				if err := fn(am); err != nil {
					return err
				}
				next = am.Seq + 1
			}
		}
		if m.Seq < next {
			return nil // the expired tail's index came from the archive
		}
		next = m.Seq + 1
		return fn(m)
	})
}
