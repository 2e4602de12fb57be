package metrics

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
)

// DefaultLogLines is how many recent log lines a LogRing keeps.
const DefaultLogLines = 2000

// LogRing is a slog.Handler that passes every record on and keeps the last
// lines, in logfmt, for sys/debug/logs (`coffer debug` bundles them). It
// holds what the log already holds: Coffer logs no secrets.
type LogRing struct {
	next slog.Handler
	text slog.Handler
	buf  *ring
}

type ring struct {
	mu    sync.Mutex
	lines []string
	next  int
	full  bool
}

// Write keeps one line: slog's text handler writes a record in one call.
func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := strings.TrimRight(string(p), "\n")
	r.lines[r.next] = line
	r.next = (r.next + 1) % len(r.lines)
	if r.next == 0 {
		r.full = true
	}
	return len(p), nil
}

// NewLogRing wraps next, keeping the last n lines (DefaultLogLines when n
// is not positive). It records what next is enabled for.
func NewLogRing(next slog.Handler, n int) *LogRing {
	if n <= 0 {
		n = DefaultLogLines
	}
	buf := &ring{lines: make([]string, n)}
	return &LogRing{next: next, buf: buf, text: slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})}
}

// Enabled implements slog.Handler.
func (h *LogRing) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *LogRing) Handle(ctx context.Context, r slog.Record) error {
	_ = h.text.Handle(ctx, r.Clone())
	return h.next.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *LogRing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &LogRing{next: h.next.WithAttrs(attrs), text: h.text.WithAttrs(attrs), buf: h.buf}
}

// WithGroup implements slog.Handler.
func (h *LogRing) WithGroup(name string) slog.Handler {
	return &LogRing{next: h.next.WithGroup(name), text: h.text.WithGroup(name), buf: h.buf}
}

// Lines returns the kept lines, oldest first.
func (h *LogRing) Lines() []string {
	r := h.buf
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	if r.full {
		out = append(out, r.lines[r.next:]...)
	}
	return append(out, r.lines[:r.next]...)
}

// Text returns the kept lines as one text.
func (h *LogRing) Text() []byte {
	var b bytes.Buffer
	for _, l := range h.Lines() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}
