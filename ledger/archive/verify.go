package archive

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sort"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/transparency"
)

// Segment problem kinds.
const (
	// KindMissing: a segment the archive should hold is not there.
	KindMissing = "missing"
	// KindAltered: a segment's bytes are not the ones archived.
	KindAltered = "altered"
)

// SegmentProblem is one finding about the archive, naming its segment.
type SegmentProblem struct {
	Segment string `json:"segment"`
	Kind    string `json:"kind"`
	Detail  string `json:"detail"`
}

// Report is transparency's report over the retained stream and the
// archive together, with what was found about the segments.
type Report struct {
	transparency.Report
	// Archive is where the segments are (a directory, s3://bucket/prefix).
	Archive  string `json:"archive"`
	Segments int    `json:"segments"`
	// Archived counts messages read from the archive, not the stream.
	Archived        int64            `json:"archived_messages"`
	SegmentProblems []SegmentProblem `json:"segment_problems,omitempty"`
}

// span is a segment's range, known even when the segment does not read.
type span struct {
	name        string
	first, last uint64
}

// Verify checks the ledger (src, as transparency.Verify does) together
// with the archive in st: each segment's messages must hash to the
// leaves it records, its checkpoint must verify under pub, the chain of
// segments must be whole, and the stream's messages plus the archived
// ones must reproduce every signed checkpoint. A finding inside a
// segment's range names the segment. The archive is read into memory.
func Verify(ctx context.Context, src transparency.Source, pub ed25519.PublicKey, st Store) (Report, error) {
	rep := Report{Archive: st.String()}
	names, err := st.List(ctx)
	if err != nil {
		return rep, err
	}
	rep.Segments = len(names)
	var (
		spans    []span
		archived []transparency.Message
		prev     *Segment
		prevSpan *span
	)
	problem := func(seg, kind, format string, args ...any) {
		rep.SegmentProblems = append(rep.SegmentProblems, SegmentProblem{Segment: seg, Kind: kind, Detail: fmt.Sprintf(format, args...)})
	}
	for _, name := range names {
		first, last, _ := parseName(name)
		sp := span{name: name, first: first, last: last}
		spans = append(spans, sp)
		s, err := Read(ctx, st, name)
		if err != nil {
			problem(name, KindAltered, "does not read: %v", err)
			prev, prevSpan = nil, &sp
			continue
		}
		checkSegment(&s, pub, problem, &rep.Warnings)
		switch {
		case prevSpan == nil && s.Prev != "":
			problem(s.Prev, KindMissing, "%s chains to it, and it is not in the archive", name)
		case prevSpan != nil && s.Prev != prevSpan.name:
			if s.Prev == "" {
				problem(name, KindAltered, "it chains to no segment, but %s comes before it", prevSpan.name)
			} else {
				problem(s.Prev, KindMissing, "%s chains to it, and it is not in the archive (the one before is %s)", name, prevSpan.name)
			}
		case prev != nil && s.PrevDigest != prev.Digest:
			problem(prev.Name, KindAltered, "its SHA-256 is %s, %s recorded %s", prev.Digest, name, s.PrevDigest)
		}
		if prevSpan != nil && s.Prev == prevSpan.name && s.First != prevSpan.last+1 {
			problem(name, KindAltered, "starts at index %d, the segment before ends at %d", s.First, prevSpan.last)
		}
		archived = append(archived, s.Messages...)
		prev, prevSpan = &s, &sp
	}
	sort.SliceStable(archived, func(i, j int) bool { return archived[i].Seq < archived[j].Seq })
	owner := func(seq uint64) string {
		i := sort.Search(len(spans), func(i int) bool { return spans[i].last >= seq })
		if i < len(spans) && spans[i].first <= seq {
			return spans[i].name
		}
		return ""
	}
	m := &merged{Source: src, archived: archived, owner: owner, problem: problem}
	rep.Report, err = transparency.Verify(ctx, m, pub)
	if err != nil {
		return rep, err
	}
	rep.Archived = m.used
	for _, p := range rep.Problems {
		if p.Index == 0 {
			continue
		}
		if seg := owner(p.Index); seg != "" {
			problem(seg, KindAltered, "ledger index %d (%s) is in its range: %s", p.Index, p.Kind, p.Detail)
			continue
		}
		if p.Kind == transparency.KindDropped && len(spans) == 0 {
			problem("", KindMissing, "ledger index %d is neither in the stream nor in the archive, which holds no segment", p.Index)
			continue
		}
		// Past the newest segment, a drop is named only when nothing
		// else was: a segment missing earlier also shortens the count of
		// messages, which Verify reports as a drop at the end.
		if p.Kind == transparency.KindDropped && p.Index > spans[len(spans)-1].last && len(rep.SegmentProblems) == 0 {
			problem("", KindMissing, "ledger index %d is neither in the stream nor in the archive, past the newest segment %s: a segment after it is missing, or the archiver fell behind the retention", p.Index, spans[len(spans)-1].name)
		}
	}
	rep.OK = rep.Report.OK && len(rep.SegmentProblems) == 0
	return rep, nil
}

// checkSegment checks one segment on its own: its range, its messages
// against its leaves, its checkpoint's signature.
func checkSegment(s *Segment, pub ed25519.PublicKey, problem func(seg, kind, format string, args ...any), warnings *[]string) {
	if first, last, _ := parseName(s.Name); first != s.First || last != s.Last {
		problem(s.Name, KindAltered, "its header says %d..%d", s.First, s.Last)
	}
	if len(s.Leaves) != len(s.Messages) {
		problem(s.Name, KindAltered, "%d messages, %d leaves", len(s.Messages), len(s.Leaves))
		return
	}
	var after uint64
	for i, m := range s.Messages {
		if m.Seq < s.First || m.Seq > s.Last || m.Seq <= after || m.Subject != ledger.SubjectAudit {
			problem(s.Name, KindAltered, "message %d (index %d, %s) does not belong in it", i, m.Seq, m.Subject)
			return
		}
		after = m.Seq
		if leafHex(m) != s.Leaves[i] {
			problem(s.Name, KindAltered, "the message at index %d does not hash to its recorded leaf", m.Seq)
			return
		}
	}
	if s.Checkpoint == "" {
		*warnings = append(*warnings, fmt.Sprintf("segment %s carries no checkpoint (the checkpointer had signed none yet)", s.Name))
		return
	}
	cp, err := transparency.OpenCheckpoint([]byte(s.Checkpoint), pub)
	if err != nil {
		problem(s.Name, KindAltered, "its checkpoint does not verify: %v", err)
		return
	}
	if cp.Size < int64(s.Last) {
		*warnings = append(*warnings, fmt.Sprintf("segment %s carries a checkpoint of %d messages, short of its last index %d (later checkpoints cover it)", s.Name, cp.Size, s.Last))
	}
}

// merged reads the ledger stream with the archived messages put back in
// sequence. A message both still stored and archived is read from the
// stream, and the archived copy must hash the same.
type merged struct {
	transparency.Source
	archived []transparency.Message
	owner    func(uint64) string
	problem  func(seg, kind, format string, args ...any)
	used     int64
}

func (m *merged) Read(ctx context.Context, stream, subject string, fn func(transparency.Message) error) error {
	if stream != ledger.StreamName || subject != "" {
		return m.Source.Read(ctx, stream, subject, fn)
	}
	i := 0
	err := m.Source.Read(ctx, stream, subject, func(s transparency.Message) error {
		for ; i < len(m.archived) && m.archived[i].Seq < s.Seq; i++ {
			m.used++
			if err := fn(m.archived[i]); err != nil {
				return err
			}
		}
		if i < len(m.archived) && m.archived[i].Seq == s.Seq {
			if transparency.ContentHash(m.archived[i]) != transparency.ContentHash(s) {
				m.problem(m.owner(s.Seq), KindAltered, "its copy of index %d differs from the one still in the stream", s.Seq)
			}
			i++
		}
		return fn(s)
	})
	if err != nil && !errors.Is(err, transparency.ErrNotFound) {
		return err
	}
	for ; i < len(m.archived); i++ {
		m.used++
		if err := fn(m.archived[i]); err != nil {
			return err
		}
	}
	return nil
}
