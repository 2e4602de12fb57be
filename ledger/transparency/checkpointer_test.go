package transparency

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
)

func countOnSubject(t *testing.T, src Source, subject string) int {
	t.Helper()
	n := 0
	require.NoError(t, src.Read(context.Background(), StreamName, subject, func(Message) error { n++; return nil }))
	return n
}

// A restarted node's checkpointer resumes from the leaf store: it hashes
// only what arrived since, keeps the key, and its checkpoints extend the
// earlier ones.
func TestCheckpointerResumesAcrossNodeRestart(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	rc := startCheckpointer(t, n, Options{Every: 40, Interval: 20 * time.Millisecond})
	n.appendMessages(t, 200)
	rc.waitCovered(t, n)
	first := rc.Status()
	require.NoError(t, rc.halt(t))
	require.EqualValues(t, 202, first.Hashed)
	n.appendMessages(t, 100) // written while no checkpointer runs
	n.stop()

	n = startNode(t, dir)
	rc = startCheckpointer(t, n, Options{Every: 40, Interval: 20 * time.Millisecond})
	n.appendMessages(t, 50)
	rc.waitCovered(t, n)
	second := rc.Status()
	require.NoError(t, rc.halt(t))
	assert.EqualValues(t, 150, second.Hashed, "only the new messages are hashed")
	assert.EqualValues(t, 352, second.TreeSize)
	assert.Equal(t, first.VerifierKey, second.VerifierKey)

	src := NewSource(n.st.JetStream())
	assert.Equal(t, 1, countOnSubject(t, src, SubjectKey))
	pub, err := ParsePublicKey(second.VerifierKey)
	require.NoError(t, err)
	rep, err := Verify(context.Background(), src, pub)
	require.NoError(t, err)
	require.True(t, rep.OK, "%+v", rep.Problems)
	assert.EqualValues(t, 352, rep.Covered)
	assert.Greater(t, rep.Checkpoints, 8)
}

// A checkpointer whose last checkpoint its leaf store cannot reproduce
// refuses to sign on top of it.
func TestCheckpointerRefusesInconsistentState(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	rc := startCheckpointer(t, n, Options{Every: 1000, Interval: 20 * time.Millisecond})
	n.appendMessages(t, 30)
	rc.waitCovered(t, n)
	require.NoError(t, rc.halt(t))
	n.stop()

	b := readStreamBlocks(t, dir, StreamName)
	for _, r := range b.records() {
		if r.subj == SubjectLeaves {
			c, err := unmarshalChunk(r.msg)
			require.NoError(t, err)
			c.Frontier[0][0] ^= 1
			r.msg = c.marshal()
		}
	}
	b.write(t)

	n = startNode(t, dir)
	c := NewCheckpointer(n.st, Options{Log: testkit.Log()})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.ErrorIs(t, c.Run(ctx), ErrInconsistentState)
}

func TestCheckpointerNeedsAnUnsealedLedger(t *testing.T) {
	env := ledgertest.Start(t, ledgertest.Options{Sealed: true})
	err := NewCheckpointer(env.Ledger, Options{}).Run(context.Background())
	require.ErrorIs(t, err, ErrSealed)
}

// Two checkpointers on one ledger would sign two trees; the leaf store's
// fence stops the second as soon as their chunks diverge.
func TestSecondCheckpointerStops(t *testing.T) {
	n := startNode(t, t.TempDir())
	a := startCheckpointer(t, n, Options{Every: 1_000_000, Interval: 13 * time.Millisecond})
	b := startCheckpointer(t, n, Options{Every: 1_000_000, Interval: 31 * time.Millisecond})
	var stopped error
	testkit.CheckFor(t, 30*time.Second, time.Millisecond, func() error {
		n.appendMessages(t, 5)
		select {
		case err := <-a.done:
			close(a.done)
			stopped = err
		case err := <-b.done:
			close(b.done)
			stopped = err
		default:
			return errors.New("both still running")
		}
		return nil
	})
	require.ErrorIs(t, stopped, ErrConcurrentCheckpointer)

	// The survivor keeps signing a single consistent history.
	last := n.appendMessages(t, 20)
	src := NewSource(n.st.JetStream())
	rec, err := StoredKey(context.Background(), src)
	require.NoError(t, err)
	pub, err := rec.PublicKey()
	require.NoError(t, err)
	testkit.CheckFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		rep, err := Verify(context.Background(), src, pub)
		if err != nil {
			return err
		}
		if !rep.OK {
			return fmt.Errorf("not OK: %+v", rep.Problems)
		}
		if rep.Covered < int64(last) {
			return fmt.Errorf("covered %d of %d", rep.Covered, last)
		}
		return nil
	})
}
