package audit

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/auditstore"
)

// lostMessages counts the ledger indexes sinks found neither in the
// stream nor in the audit archive (LostMessages).
var lostMessages atomic.Uint64

// LostMessages is how many ledger indexes the audit sinks of this process
// had to pass over: audit messages that aged out of the stream (audit
// retention) before a device wrote them, which the audit archive does not
// hold either (archiving off, or the archive is on another node). The
// node serves it as coffer_audit_sink_lost_messages_total; anything but 0
// means a device's file misses records that the ledger once held.
func LostMessages() uint64 { return lostMessages.Load() }

// lostRange is the ledger indexes a sink passed over since it last said so.
type lostRange struct{ first, last, messages uint64 }

func (l *lostRange) add(first, last uint64) {
	if l.messages == 0 {
		l.first = first
	}
	l.last, l.messages = last, l.messages+last-first+1
}

// Sinks runs one sink per enabled audit device.
type Sinks struct {
	deps      framework.Deps
	cursorDir string
	cfg       Config

	mu      sync.Mutex
	running map[string]context.CancelFunc
	wg      sync.WaitGroup
}

// NewSinks builds the sink manager; cursor files live in cursorDir.
func NewSinks(deps framework.Deps, cursorDir string) *Sinks {
	return &Sinks{deps: deps, cursorDir: cursorDir, running: map[string]context.CancelFunc{}}
}

// Observer re-syncs the running sinks when the device table changes.
func (s *Sinks) Observer(ctx context.Context) projections.Observer {
	return func(recs []ledger.Record) {
		for _, r := range recs {
			if r.Type == auditevent.EventEnabled || r.Type == auditevent.EventDisabled {
				go func() {
					if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
						s.deps.Log.Error("audit sinks", "err", err)
					}
				}()
				return
			}
		}
	}
}

// Sync starts sinks for new devices and stops those of removed ones.
func (s *Sinks) Sync(ctx context.Context) error {
	devs, err := s.devices()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[string]auditevent.Device{}
	for _, d := range devs {
		want[d.Path] = d
	}
	for path, cancel := range s.running {
		if _, ok := want[path]; !ok {
			cancel()
			delete(s.running, path)
		}
	}
	for path, d := range want {
		if _, ok := s.running[path]; ok {
			continue
		}
		sctx, cancel := context.WithCancel(ctx)
		s.running[path] = cancel
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.runSink(sctx, d)
		}()
	}
	return nil
}

// Wait blocks until every sink stopped (after its context ended).
func (s *Sinks) Wait() { s.wg.Wait() }

func (s *Sinks) cursorPath(d auditevent.Device) string {
	return filepath.Join(s.cursorDir, hex.EncodeToString([]byte(strings.TrimSuffix(d.Path, "/")))+".cursor")
}

func (s *Sinks) runSink(ctx context.Context, d auditevent.Device) {
	for ctx.Err() == nil {
		err := s.copyRecords(ctx, d)
		if ctx.Err() != nil {
			return
		}
		s.deps.Log.Error("audit sink stopped; retrying", "device", d.Path, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// devices is the declared devices followed by those the API enabled.
func (s *Sinks) devices() ([]auditevent.Device, error) {
	devs, err := auditstore.List(s.deps.Store)
	if err != nil {
		return nil, err
	}
	return append(slices.Clone(s.cfg.Devices), devs...), nil
}

// declared returns the device the server config declares at path.
func (s *Sinks) declared(path string) (auditevent.Device, bool) {
	for _, d := range s.cfg.Devices {
		if d.Path == path {
			return d, true
		}
	}
	return auditevent.Device{}, false
}

// ErrNotPlainFile reports a file_path that is not a plain file (or a
// file to be created in an existing directory): a symlink, a device, a
// FIFO, a socket, a directory, or a path whose directory does not exist.
var ErrNotPlainFile = errors.New("audit: file_path must be a plain file in an existing directory")

// checkPlainFile refuses a file_path that exists and is not a regular
// file, or whose parent is not an existing directory: an audit device
// writes only plain files, and never creates directories (issue 10,
// item 12).
func checkPlainFile(fp string) error {
	if fp == "stdout" || fp == "discard" {
		return nil
	}
	dir, err := os.Stat(filepath.Dir(fp))
	if err != nil || !dir.IsDir() {
		return fmt.Errorf("%w: %s", ErrNotPlainFile, filepath.Dir(fp))
	}
	fi, err := os.Lstat(fp)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%w: %v", ErrNotPlainFile, err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%w: %s is a %s", ErrNotPlainFile, fp, fi.Mode().Type())
	}
	return nil
}

func openOutput(d auditevent.Device) (io.Writer, func() error, error) {
	switch fp := d.Options["file_path"]; fp {
	case "stdout":
		return os.Stdout, func() error { return nil }, nil
	case "discard":
		return io.Discard, func() error { return nil }, nil
	default:
		if err := checkPlainFile(fp); err != nil {
			return nil, nil, err
		}
		mode := os.FileMode(0o600)
		if m, err := strconv.ParseUint(d.Options["mode"], 8, 32); err == nil && m != 0 {
			mode = os.FileMode(m)
		}
		// O_NOFOLLOW and O_NONBLOCK: a symlink or FIFO swapped in after
		// the check fails here instead of being followed or blocking;
		// the fstat below catches any other kind.
		f, err := os.OpenFile(fp, os.O_CREATE|os.O_APPEND|os.O_WRONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, mode)
		if err != nil {
			return nil, nil, err
		}
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			f.Close()
			return nil, nil, fmt.Errorf("%w: %s", ErrNotPlainFile, fp)
		}
		return f, func() error {
			if err := f.Sync(); err != nil {
				return err
			}
			return f.Close()
		}, nil
	}
}

// copyRecords tails the ledger from the cursor and writes audit records.
// It reads through ConsumeWithArchive: a device that was down or behind
// while audit messages aged out of the stream (audit retention) writes
// them from the archive, in ledger order, before what the stream still
// holds; the cursor counts indexes from either, so each is written once.
// An index neither holds is passed over loudly (an error log line and
// LostMessages), never silently: the records are gone from every place
// this node can read. An archive that cannot be read (S3 unreachable)
// is no such gap: the read fails, and the sink stops and retries.
func (s *Sinks) copyRecords(ctx context.Context, d auditevent.Device) error {
	from := d.StartSeq
	b, err := os.ReadFile(s.cursorPath(d))
	if err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && n > from {
			from = n
		}
	} else if from == 0 {
		// A declared device's first start: from now on, as an enabled
		// device starts at its enable event.
		if from, err = s.deps.Ledger.LastSeq(ctx); err != nil {
			return err
		}
	}
	out, closeOut, err := openOutput(d)
	if err != nil {
		return fmt.Errorf("audit: open %s: %w", d.Path, err)
	}
	defer closeOut()
	w := bufio.NewWriter(out)
	var (
		mu      sync.Mutex
		pending uint64 // last ledger index written to w
		flushed uint64 // last ledger index on disk
		lost    lostRange
	)
	// flush writes the buffer and the cursor; a ticker calls it so an idle
	// ledger still gets its last records onto disk promptly.
	flush := func() error {
		mu.Lock()
		defer mu.Unlock()
		if lost.messages > 0 {
			// Said once per flush, not once per gap: a lagging device
			// with archiving off meets a gap between every two domain
			// messages.
			s.deps.Log.Error("audit sink: ledger indexes aged out of the stream before this device wrote them, and the audit archive does not hold them; their records are missing from the device",
				"device", d.Path, "first", lost.first, "last", lost.last, "messages", lost.messages)
			lost = lostRange{}
		}
		if pending == flushed {
			return nil
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if f, ok := out.(*os.File); ok && f != os.Stdout {
			if err := f.Sync(); err != nil {
				return err
			}
		}
		if err := os.MkdirAll(s.cursorDir, 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(s.cursorPath(d), []byte(strconv.FormatUint(pending, 10)), 0o600); err != nil {
			return err
		}
		flushed = pending
		return nil
	}
	tickCtx, stopTick := context.WithCancel(ctx)
	defer stopTick()
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-tickCtx.Done():
				return
			case <-t.C:
				if err := flush(); err != nil {
					s.deps.Log.Error("audit sink flush", "device", d.Path, "err", err)
				}
			}
		}
	}()
	next := from + 1 // the index the sink expects next
	err = s.deps.Ledger.ConsumeWithArchive(ctx, from+1, func(m ledger.Message) error {
		recs, err := s.deps.Ledger.Decode(m)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		// Indexes before m were not delivered: aged out and not archived.
		// A message with no subject stands for an expired tail ending at
		// its own index, which is gone too.
		gapEnd := m.Seq - 1
		if m.Subject == "" {
			gapEnd = m.Seq
		}
		if gapEnd >= next {
			lost.add(next, gapEnd)
			lostMessages.Add(gapEnd - next + 1)
		}
		next = m.Seq + 1
		for _, r := range recs {
			if r.Type != auditevent.EventRequest && r.Type != auditevent.EventResponse {
				continue
			}
			if _, err := w.Write(r.Data); err != nil {
				return err
			}
			if err := w.WriteByte('\n'); err != nil {
				return err
			}
		}
		pending = m.Seq
		return nil
	})
	stopTick()
	if ferr := flush(); ferr != nil && err == nil {
		err = ferr
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
