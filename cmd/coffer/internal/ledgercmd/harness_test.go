package ledgercmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/highwayhash"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/transparency"
)

// node is a running ledger with its checkpointer, in a data dir laid out as
// a Coffer node's.
type node struct {
	dir  string
	st   *ledger.Store
	cp   *transparency.Checkpointer
	stop func()
}

func startNode(t *testing.T, messages int) *node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env := ledgertest.Start(t, ledgertest.Options{NoProjections: true})
	st := env.Ledger
	cp := transparency.NewCheckpointer(st, transparency.Options{Every: 20, Interval: 10 * time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan error, 1)
	go func() { done <- cp.Run(ctx) }()
	n := &node{dir: env.Dir, st: st, cp: cp}
	stopped := false
	n.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		<-done
		env.Stop()
	}
	t.Cleanup(n.stop)
	for i := 0; i < messages; i++ {
		_, err := st.Writer().Append(ctx, ledger.NewEvent("test.recorded", 1, map[string]int{"i": i}))
		require.NoError(t, err)
	}
	last, err := st.LastSeq(ctx)
	require.NoError(t, err)
	testkit.CheckFor(t, 30*time.Second, 5*time.Millisecond, func() error {
		if signed := cp.Status().Signed; signed < int64(last) {
			return fmt.Errorf("checkpoints cover %d of %d", signed, last)
		}
		return nil
	})
	return n
}

func (n *node) verifierKey() string { return n.cp.Status().VerifierKey }

// run executes the CLI as main would and returns its output and exit code.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	root := &cobra.Command{Use: "coffer", SilenceUsage: true, SilenceErrors: true}
	var out, errb bytes.Buffer
	Register(root, &out, &errb)
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.Execute()
	var ee interface{ ExitCode() int }
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		code = 1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

// corruptPayload flips one payload byte of the ledger message at seq in a
// stopped data dir and rewrites the record's checksum (JetStream's record
// layout and highwayhash key, nats-server v2.15), so the server serves the
// altered message as if nothing happened.
func corruptPayload(t *testing.T, dir string, seq uint64) {
	t.Helper()
	msgs := filepath.Join(dir, "nats", "jetstream", "$G", "streams", ledger.StreamName, "msgs")
	blk := filepath.Join(msgs, "1.blk")
	buf, err := os.ReadFile(blk)
	require.NoError(t, err)
	le := binary.LittleEndian
	for off := 0; off < len(buf); {
		raw := le.Uint32(buf[off:])
		hasHdr, rl := raw&(1<<31) != 0, int(raw&^(1<<31))
		if le.Uint64(buf[off+4:]) != seq {
			off += rl
			continue
		}
		slen := int(le.Uint16(buf[off+20:]))
		subj := buf[off+22 : off+22+slen]
		rest := buf[off+22+slen : off+rl-8]
		var hdr []byte
		if hasHdr {
			hl := int(le.Uint32(rest))
			hdr, rest = rest[4:4+hl], rest[4+hl:]
		}
		rest[len(rest)/2] ^= 1
		key := sha256.Sum256([]byte(fmt.Sprintf("%s-%d", ledger.StreamName, 1)))
		hh, err := highwayhash.New64(key[:])
		require.NoError(t, err)
		hh.Write(buf[off+4 : off+20])
		hh.Write(subj)
		hh.Write(hdr)
		hh.Write(rest)
		copy(buf[off+rl-8:off+rl], hh.Sum(nil))
		require.NoError(t, os.WriteFile(blk, buf, 0o600))
		require.NoError(t, os.Remove(filepath.Join(msgs, "index.db")))
		return
	}
	t.Fatalf("no record at seq %d", seq)
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	return dst
}

// assertSameTree checks that two directories hold the same files with the
// same bytes.
func assertSameTree(t *testing.T, want, got string) {
	t.Helper()
	files := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(want, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		files[rel], err = os.ReadFile(p)
		return err
	}))
	n := 0
	require.NoError(t, filepath.WalkDir(got, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(got, p)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Equal(t, files[rel], b, rel)
		n++
		return nil
	}))
	require.Equal(t, len(files), n)
}
