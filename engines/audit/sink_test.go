package audit

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/internal/tests3"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/archive"
)

// sinkEnv is a ledger whose audit records age out after retention, and a
// file device over it that is started and stopped by the test.
type sinkEnv struct {
	t     *testing.T
	st    *ledger.Store
	dir   string
	file  string
	start uint64 // the index the device starts after
	sinks *Sinks
	logs  string // the sink's log file
}

const sinkRetention = 2 * time.Second

func newSinkEnv(t *testing.T) *sinkEnv {
	env := ledgertest.Start(t, ledgertest.Options{NoProjections: true, AuditRetention: sinkRetention})
	start, err := env.Ledger.LastSeq(context.Background())
	require.NoError(t, err)
	require.Positive(t, start)
	logs := filepath.Join(t.TempDir(), "sink.log")
	f, err := os.Create(logs)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	deps := framework.Deps{Ledger: env.Ledger, Log: slog.New(slog.NewTextHandler(f, nil))}
	return &sinkEnv{t: t, st: env.Ledger, dir: env.Dir, file: filepath.Join(t.TempDir(), "audit.log"),
		start: start, sinks: NewSinks(deps, t.TempDir()), logs: logs}
}

// request appends one audited request as the gateway does: its request
// record, a domain event, its response record.
func (e *sinkEnv) request(i int) uint64 {
	seq, err := e.st.Writer().Append(context.Background(),
		ledger.NewEvent(auditevent.EventRequest, 1, map[string]int{"req": i}),
		ledger.NewEvent("audittest.recorded", 1, map[string]int{"i": i}),
		ledger.NewEvent(auditevent.EventResponse, 1, map[string]int{"resp": i}))
	require.NoError(e.t, err)
	return seq
}

// runSink runs the device until the returned function stops it.
func (e *sinkEnv) runSink() (stop func()) {
	d := auditevent.Device{Path: "file/", Type: "file", Options: map[string]string{"file_path": e.file}, StartSeq: e.start}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.sinks.runSink(ctx, d) }()
	return func() { cancel(); <-done }
}

// waitAgedOut waits until the audit message before seq (fenced before
// its domain message) is no longer stored.
func (e *sinkEnv) waitAgedOut(seq uint64) {
	testkit.CheckFor(e.t, 15*time.Second, 50*time.Millisecond, func() error {
		m, err := e.st.Get(context.Background(), seq-1)
		if err != nil {
			return err
		}
		if m.Subject != "" {
			return fmt.Errorf("index %d is still stored (%s)", seq-1, m.Subject)
		}
		return nil
	})
}

// log is what the sink logged so far.
func (e *sinkEnv) log() string {
	b, err := os.ReadFile(e.logs)
	require.NoError(e.t, err)
	return string(b)
}

// lines is what the device's file holds.
func (e *sinkEnv) lines() []string {
	b, err := os.ReadFile(e.file)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(e.t, err)
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// want is the file's lines for requests from..to.
func want(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf(`{"req":%d}`, i), fmt.Sprintf(`{"resp":%d}`, i))
	}
	return out
}

// waitLines waits until the file holds exactly the lines of requests
// from..to, in order: fewer is waiting, more (a duplicate) or others fail.
func (e *sinkEnv) waitLines(from, to int) {
	w := want(from, to)
	testkit.CheckFor(e.t, 15*time.Second, 20*time.Millisecond, func() error {
		got := e.lines()
		if len(got) > len(w) {
			e.t.Fatalf("the file holds %d lines, %d expected:\n%s", len(got), len(w), strings.Join(got, "\n"))
		}
		for i := range got {
			if got[i] != w[i] {
				e.t.Fatalf("line %d is %s, %s expected:\n%s", i+1, got[i], w[i], strings.Join(got, "\n"))
			}
		}
		if len(got) < len(w) {
			return fmt.Errorf("%d of %d lines", len(got), len(w))
		}
		return nil
	})
}

// TestSinkCatchesUpFromTheArchive: a file device that was down while its
// records aged out of the stream writes them from the archive, then what
// the stream holds, then new records: each once, in ledger order, across
// a restart too.
func TestSinkCatchesUpFromTheArchive(t *testing.T) {
	testSinkCatchesUp(t, func(e *sinkEnv) archive.Store { return archive.Dir(filepath.Join(e.dir, archive.DefaultDirName)) })
}

// TestSinkCatchesUpFromAnS3Archive is the same with the archive in an S3
// bucket (a test server on a loopback port: internal/tests3).
func TestSinkCatchesUpFromAnS3Archive(t *testing.T) {
	testSinkCatchesUp(t, func(*sinkEnv) archive.Store {
		srv := tests3.Start(t, "audit")
		st, err := archive.Open(context.Background(), "s3://audit/sink", archive.S3Options{Endpoint: srv.Endpoint, PathStyle: true,
			Region: tests3.Region, AccessKey: tests3.AccessKey, SecretKey: tests3.SecretKey})
		require.NoError(t, err)
		return st
	})
}

func testSinkCatchesUp(t *testing.T, store func(*sinkEnv) archive.Store) {
	e := newSinkEnv(t)
	st := store(e)
	e.st.SetArchive(archive.NewReader(st))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	arch := archive.New(e.st, archive.Options{Store: st, Retention: sinkRetention, MaxMessages: 3, Log: e.sinks.deps.Log})
	go func() { defer close(done); _ = arch.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	lost := LostMessages()

	var last uint64
	for i := range 6 {
		last = e.request(i)
	}
	e.waitAgedOut(last)
	names, err := st.List(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, names, "the aged-out records are archived")
	e.request(6) // still in the stream when the sink starts

	stop := e.runSink()
	e.waitLines(0, 6)
	e.request(7)
	e.waitLines(0, 7)
	stop()

	// Restarted, the device resumes after its cursor: nothing twice.
	e.request(8)
	stop = e.runSink()
	e.waitLines(0, 8)
	stop()
	require.Equal(t, lost, LostMessages(), "nothing was passed over")
	require.NotContains(t, e.log(), "does not hold them")
}

// TestSinkSaysWhatAgedOutUnarchived: with no archive, records that aged
// out before the device wrote them are gone; the sink says so (an error
// line naming the indexes, LostMessages) and goes on with the rest.
func TestSinkSaysWhatAgedOutUnarchived(t *testing.T) {
	e := newSinkEnv(t)
	lost := LostMessages()
	var last uint64
	for i := range 4 {
		last = e.request(i)
	}
	e.waitAgedOut(last)
	e.request(4)

	stop := e.runSink()
	defer stop()
	e.waitLines(4, 4)
	require.Equal(t, lost+4, LostMessages(), "four audit messages aged out unwritten")
	testkit.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if !strings.Contains(e.log(), "the audit archive does not hold them") {
			return fmt.Errorf("no error line yet:\n%s", e.log())
		}
		return nil
	})
	require.Contains(t, e.log(), fmt.Sprintf("first=%d", e.start+1))
}
