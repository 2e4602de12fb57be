package transparency

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"iter"
	"sort"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/cofferhq/coffer/ledger"
)

// Problem kinds.
const (
	// KindChanged: the message stored at Index is not the one checkpointed.
	KindChanged = "changed"
	// KindDropped: the message that belongs at Index is not stored.
	KindDropped = "dropped"
	// KindReordered: the message stored at Index is authentic but belongs at
	// With (and, for a swap, With's at Index).
	KindReordered = "reordered"
	// KindCheckpoint: a checkpoint does not verify, or contradicts another.
	KindCheckpoint = "checkpoint"
	// KindUnverified: no valid checkpoint: nothing attests the ledger.
	KindUnverified = "unverified"
)

// Problem is one finding of Verify.
type Problem struct {
	Kind string `json:"kind"`
	// Index is the ledger index (stream sequence) of the first bad message.
	Index uint64 `json:"index,omitempty"`
	// Exact is false when only a range is known: the first bad message is
	// at one of Index..Through.
	Exact   bool   `json:"exact"`
	Through uint64 `json:"through,omitempty"`
	// With is, for KindReordered, the index the message at Index belongs at.
	With uint64 `json:"with,omitempty"`
	// CheckpointSeq is, for KindCheckpoint, the checkpoint's position in
	// COFFER_CHECKPOINTS.
	CheckpointSeq uint64 `json:"checkpoint_seq,omitempty"`
	Detail        string `json:"detail"`
}

// Report is what Verify found.
type Report struct {
	// OK: every message up to the last valid checkpoint is the one signed,
	// no sequence is missing, and the checkpoints agree with each other.
	OK bool `json:"ok"`
	// Messages is how many ledger messages were read and hashed;
	// FirstIndex and LastIndex their sequence range.
	Messages   int64  `json:"messages"`
	FirstIndex uint64 `json:"first_index,omitempty"`
	LastIndex  uint64 `json:"last_index,omitempty"`
	// Checkpoints counts checkpoints whose signature verified.
	Checkpoints int `json:"checkpoints"`
	// Covered is the size of the largest valid checkpoint.
	Covered int64 `json:"covered"`
	// Latest is the largest valid checkpoint.
	Latest *Checkpoint `json:"latest_checkpoint,omitempty"`
	// FirstBad is the first problem: the lowest ledger index, then
	// checkpoint problems.
	FirstBad *Problem `json:"first_bad,omitempty"`
	// Problems lists up to maxProblems findings, FirstBad first.
	Problems []Problem `json:"problems,omitempty"`
	Warnings []string  `json:"warnings,omitempty"`
	// VerifierKey is the key checkpoints were checked against.
	VerifierKey string `json:"verifier_key"`
}

const (
	maxProblems = 20
	// maxMismatches bounds the leaves Verify remembers for classifying the
	// first mismatch (80 bytes each).
	maxMismatches = 100_000
	// markEvery is how often trees past the last checkpoint drop their
	// window: no proof needs it any more.
	markEvery = 4096
)

// Verify recomputes the tree from every stored ledger message and checks it
// against every checkpoint signed by pub. See the package doc for how it
// names the exact index. The error reports failure to read; tampering is a
// Report with OK false.
func Verify(ctx context.Context, src Source, pub ed25519.PublicKey) (Report, error) {
	var rep Report
	var err error
	if rep.VerifierKey, err = VerifierKey(pub); err != nil {
		return rep, err
	}
	cps, cpProblems, err := readCheckpoints(ctx, src, pub)
	if err != nil {
		return rep, err
	}
	rep.Checkpoints = len(cps)
	if len(cps) > 0 {
		latest := cps[len(cps)-1]
		rep.Latest, rep.Covered = &latest, latest.Size
	}
	v := newVerification(cps)
	next, stop := iter.Pull2(storedLeaves(ctx, src))
	defer stop()
	storeOK := true
	err = src.Read(ctx, ledger.StreamName, "", func(m Message) error {
		var stored *tlog.Hash
		if storeOK {
			h, lerr, ok := next()
			switch {
			case lerr != nil:
				storeOK = false
				v.warn("leaf store unreadable from leaf %d: %v", v.msgs.t.n, lerr)
			case ok:
				stored = &h
			default:
				storeOK = false
			}
		}
		return v.message(m, stored)
	})
	if err != nil {
		return rep, err
	}
	for storeOK {
		h, lerr, ok := next()
		if lerr != nil {
			v.warn("leaf store unreadable from leaf %d: %v", v.store.t.n, lerr)
		}
		if !ok || lerr != nil {
			break
		}
		if err := v.store.add(h); err != nil {
			return rep, err
		}
	}
	rep.Messages, rep.FirstIndex, rep.LastIndex = v.msgs.t.n, v.firstSeq, v.lastSeq
	problems := append(v.ledgerProblems(), v.checkpointProblems()...)
	switch {
	case len(cps) == 0 && len(cpProblems) > 0:
		// Not one signature verifies: the key is wrong, not every checkpoint.
		problems = append(problems, Problem{Kind: KindUnverified,
			Detail: fmt.Sprintf("none of the %d stored checkpoints verifies under %s: wrong public key?", len(cpProblems), rep.VerifierKey)})
	case len(cps) == 0:
		problems = append(problems, Problem{Kind: KindUnverified, Detail: "no signed checkpoint is stored: nothing attests the ledger"})
	default:
		problems = append(problems, cpProblems...)
	}
	if len(problems) > maxProblems {
		problems = problems[:maxProblems]
	}
	rep.Problems, rep.Warnings = problems, v.warnings
	if len(problems) > 0 {
		rep.FirstBad = &problems[0]
	}
	if rep.Messages > rep.Covered && rep.Covered > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d messages after the last checkpoint are not covered yet", rep.Messages-rep.Covered))
	}
	rep.OK = len(problems) == 0
	return rep, nil
}

// readCheckpoints returns the checkpoints that verify under pub, ordered by
// size with duplicates removed, and a problem for each one that does not.
func readCheckpoints(ctx context.Context, src Source, pub ed25519.PublicKey) ([]Checkpoint, []Problem, error) {
	var valid []Checkpoint
	var problems []Problem
	var largest *Checkpoint
	err := src.Read(ctx, StreamName, SubjectCheckpoint, func(m Message) error {
		cp, err := OpenCheckpoint(m.Data, pub)
		if err != nil {
			problems = append(problems, Problem{Kind: KindCheckpoint, CheckpointSeq: m.Seq, Detail: fmt.Sprintf("checkpoint does not verify: %v", err)})
			return nil
		}
		cp.StreamSeq = m.Seq
		if cp.Size == 0 {
			return nil // commits to nothing
		}
		if largest != nil && cp.Size < largest.Size {
			problems = append(problems, Problem{Kind: KindCheckpoint, CheckpointSeq: m.Seq,
				Detail: fmt.Sprintf("checkpoint of %d messages signed after one of %d", cp.Size, largest.Size)})
		}
		if largest == nil || cp.Size >= largest.Size {
			largest = &cp
		}
		valid = append(valid, cp)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(valid, func(i, j int) bool { return valid[i].Size < valid[j].Size })
	out := valid[:0]
	for _, cp := range valid {
		if n := len(out); n > 0 && out[n-1].Size == cp.Size {
			if out[n-1].Root != cp.Root {
				problems = append(problems, Problem{Kind: KindCheckpoint, CheckpointSeq: cp.StreamSeq,
					Detail: fmt.Sprintf("two checkpoints of %d messages with different roots (forked history)", cp.Size)})
			}
			continue
		}
		out = append(out, cp)
	}
	return out, problems, nil
}

// storedLeaves yields the leaf store's hashes in tree order, ending early
// (with an error) at a gap or overlap between chunks.
func storedLeaves(ctx context.Context, src Source) iter.Seq2[tlog.Hash, error] {
	return func(yield func(tlog.Hash, error) bool) {
		var n int64
		stopped := errors.New("stopped")
		err := src.Read(ctx, StreamName, SubjectLeaves, func(m Message) error {
			c, err := unmarshalChunk(m.Data)
			if err != nil {
				return err
			}
			if c.First != n {
				return fmt.Errorf("%w: leaf chunk at seq %d starts at leaf %d, want %d", ErrMalformed, m.Seq, c.First, n)
			}
			for _, h := range c.Leaves {
				if !yield(h, nil) {
					return stopped
				}
				n++
			}
			return nil
		})
		if err != nil && !errors.Is(err, stopped) {
			yield(tlog.Hash{}, err)
		}
	}
}
