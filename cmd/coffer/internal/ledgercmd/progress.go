package ledgercmd

import (
	"context"

	"github.com/cofferhq/coffer/cmd/coffer/internal/progress"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/transparency"
)

// countingSource reports each ledger message Verify reads to a progress
// bar; checkpoint and leaf reads pass through uncounted.
type countingSource struct {
	transparency.Source
	bar *progress.Bar
}

func (s countingSource) Read(ctx context.Context, stream, subject string, fn func(transparency.Message) error) error {
	if stream != ledger.StreamName || s.bar == nil {
		return s.Source.Read(ctx, stream, subject, fn)
	}
	var n int64
	return s.Source.Read(ctx, stream, subject, func(m transparency.Message) error {
		n++
		s.bar.Set(n)
		return fn(m)
	})
}

// withProgress wraps src with a bar on the command's stderr, when that is
// a terminal; the total is the ledger's last index.
func withProgress(ctx context.Context, a *app, src transparency.Source) (transparency.Source, *progress.Bar) {
	bar := progress.New(a.stderr, "verifying", progress.Options{Unit: "messages"})
	return countingFor(ctx, src, bar), bar
}

// countingFor wraps src to report to bar (nil: src unchanged), with the
// ledger's last index as the total.
func countingFor(ctx context.Context, src transparency.Source, bar *progress.Bar) transparency.Source {
	if bar == nil {
		return src
	}
	// Without a total (an empty or unreadable stream) the bar stays a
	// spinner with a count; Verify itself reports read errors.
	if last, err := src.Last(ctx, ledger.StreamName, ">"); err == nil {
		bar.SetTotal(int64(last.Seq))
	}
	return countingSource{Source: src, bar: bar}
}
