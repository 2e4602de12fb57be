package transparency

import (
	"crypto/sha256"
	"fmt"
	"sort"

	"golang.org/x/mod/sumdb/tlog"
)

// mismatch is a leaf where the stored message and the leaf store disagree.
type mismatch struct {
	leaf    int64
	seq     uint64
	content [sha256.Size]byte
	stored  tlog.Hash
}

type verification struct {
	cps   []Checkpoint
	msgs  *checked // tree of the stored messages
	store *checked // tree of the leaf store
	// seqAt remembers the message sequence at checkpoint boundaries, to
	// name the ends of an inexact range.
	seqAt             map[int64]uint64
	firstSeq, lastSeq uint64
	// gapLeaf is the first leaf whose sequence skipped ahead (-1: none);
	// gapSeq the first sequence missing there.
	gapLeaf         int64
	gapSeq, gapNext uint64
	mismatches      []mismatch
	warnings        []string
}

func newVerification(cps []Checkpoint) *verification {
	v := &verification{cps: cps, msgs: newChecked(cps), store: newChecked(cps), seqAt: map[int64]uint64{}, gapLeaf: -1}
	for _, cp := range cps {
		v.seqAt[cp.Size], v.seqAt[cp.Size-1] = 0, 0
	}
	return v
}

func (v *verification) warn(format string, args ...any) {
	v.warnings = append(v.warnings, fmt.Sprintf(format, args...))
}

func (v *verification) message(m Message, stored *tlog.Hash) error {
	leaf := v.msgs.t.n
	if leaf == 0 {
		v.firstSeq = m.Seq
	}
	if v.gapLeaf < 0 && m.Seq != v.lastSeq+1 {
		v.gapLeaf, v.gapSeq, v.gapNext = leaf, v.lastSeq+1, m.Seq
	}
	v.lastSeq = m.Seq
	if _, ok := v.seqAt[leaf]; ok {
		v.seqAt[leaf] = m.Seq
	}
	content := ContentHash(m)
	h := LeafHash(m.Seq, content)
	if err := v.msgs.add(h); err != nil {
		return err
	}
	if stored == nil {
		return nil
	}
	if *stored != h && len(v.mismatches) < maxMismatches {
		v.mismatches = append(v.mismatches, mismatch{leaf: leaf, seq: m.Seq, content: content, stored: *stored})
	}
	return v.store.add(*stored)
}

// ledgerProblems names the first bad ledger index (and at most one more
// finding of each kind).
func (v *verification) ledgerProblems() []Problem {
	var out []Problem
	n := v.msgs.t.n
	failed := v.msgs.firstFailure()
	covered := int64(0)
	if len(v.cps) > 0 {
		covered = v.cps[len(v.cps)-1].Size
	}
	// A sequence gap is evidence by itself: the stream denies deletes.
	if v.gapLeaf >= 0 {
		out = append(out, Problem{Kind: KindDropped, Index: v.gapSeq, Exact: true,
			Detail: fmt.Sprintf("sequence %d is missing: the next stored message is %d", v.gapSeq, v.gapNext)})
	}
	if failed >= 0 || n < covered {
		if p, ok := v.changed(failed); ok {
			out = append(out, p)
		}
	}
	if n < covered {
		out = append(out, Problem{Kind: KindDropped, Index: v.lastSeq + 1, Exact: true,
			Detail: fmt.Sprintf("the stream ends at %d messages, a checkpoint covers %d", n, covered)})
	}
	if a := v.store.authentic(); len(v.cps) > 0 && a < covered {
		v.warn("the leaf store matches checkpoints only up to %d messages (of %d): changes after that are bracketed between checkpoints, not named exactly", a, covered)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Index != out[j].Index {
			return out[i].Index < out[j].Index
		}
		return out[i].Kind == KindDropped // a gap explains the mismatch at its own leaf
	})
	// An inexact range that contains an exact finding adds nothing.
	if len(out) > 1 && !out[0].Exact && out[1].Exact && out[1].Index <= out[0].Through {
		out = out[1:]
	}
	return out
}

// changed looks for the first altered message between the last checkpoint
// the stored messages reproduce and the first one they do not (index
// failed; -1 when they only fall short of the last checkpoint).
func (v *verification) changed(failed int) (Problem, bool) {
	last := len(v.cps) - 1
	if failed >= 0 {
		last = failed
	}
	lo := int64(0) // leaves before lo reproduce a signed root
	for i := 0; i < last && i < v.msgs.next; i++ {
		if v.msgs.match[i] {
			lo = v.cps[i].Size
		}
	}
	hi := v.cps[last].Size
	authentic := v.store.authentic()
	for i, mm := range v.mismatches {
		if mm.leaf >= authentic || mm.leaf >= hi {
			break
		}
		if mm.leaf >= lo {
			return v.classify(i, authentic), true
		}
	}
	if failed < 0 {
		return Problem{}, false
	}
	// The leaf store cannot vouch for this range: bracket it.
	from, through := v.seqAt[lo], v.seqAt[hi-1]
	if from == 0 {
		from = uint64(lo) + 1
	}
	if through == 0 {
		through = uint64(hi)
	}
	return Problem{Kind: KindChanged, Index: from, Through: through,
		Detail: fmt.Sprintf("messages %d..%d do not reproduce the checkpoint of %d messages; the leaf store cannot say which", from, through, hi)}, true
}

// classify names what happened at mismatch i, the first one inside the
// range the leaf store vouches for (leaves before authentic), comparing it
// only with other mismatches in that range: outside it a stored leaf proves
// nothing.
func (v *verification) classify(i int, authentic int64) Problem {
	first := v.mismatches[i]
	// belongsAt: the message stored here is the authentic one of another
	// position. foundAt: this position's authentic message is stored
	// elsewhere.
	var belongsAt, foundAt *mismatch
	for j := range v.mismatches {
		o := &v.mismatches[j]
		if o.leaf >= authentic {
			break
		}
		if o.leaf == first.leaf {
			continue
		}
		if belongsAt == nil && LeafHash(o.seq, first.content) == o.stored {
			belongsAt = o
		}
		if foundAt == nil && LeafHash(first.seq, o.content) == first.stored {
			foundAt = o
		}
	}
	p := Problem{Kind: KindChanged, Index: first.seq, Exact: true}
	switch {
	case belongsAt != nil && foundAt != nil:
		p.Kind, p.With = KindReordered, belongsAt.seq
		p.Detail = fmt.Sprintf("the message stored at %d belongs at %d; the one that belongs at %d is stored at %d", first.seq, belongsAt.seq, first.seq, foundAt.seq)
	case belongsAt != nil:
		p.Kind = KindDropped
		p.Detail = fmt.Sprintf("the message that belongs at %d is gone; later messages were moved up (the one stored at %d belongs at %d)", first.seq, first.seq, belongsAt.seq)
	case foundAt != nil:
		p.Detail = fmt.Sprintf("a message was inserted at %d; the one that belongs there is stored at %d", first.seq, foundAt.seq)
	default:
		p.Detail = fmt.Sprintf("the message stored at %d is not the one checkpointed", first.seq)
	}
	return p
}

// checkpointProblems reports checkpoints the message tree contradicts in
// ways no single ledger change explains: a later checkpoint matches while
// an earlier one does not (a rewritten history that was signed again).
func (v *verification) checkpointProblems() []Problem {
	var out []Problem
	for _, t := range []*checked{v.msgs, v.store} {
		for _, i := range t.inconsistent {
			out = append(out, Problem{Kind: KindCheckpoint, CheckpointSeq: v.cps[i].StreamSeq,
				Detail: fmt.Sprintf("checkpoint of %d messages is not consistent with the checkpoint of %d (forked history)", v.cps[i].Size, v.cps[i-1].Size)})
		}
		if len(out) > 0 {
			break
		}
	}
	return out
}
