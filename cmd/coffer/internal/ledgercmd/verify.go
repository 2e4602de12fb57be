package ledgercmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/cmd/coffer/internal/progress"
	"github.com/cofferhq/coffer/ledger/archive"
	"github.com/cofferhq/coffer/ledger/transparency"
)

func (a *app) verifyCmd() *cobra.Command {
	var t target
	var format, archiveDir string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check every stored ledger message against the signed checkpoints",
		Long: `Recompute the Merkle tree of every message stored in the ledger, check each
signed checkpoint's signature, that its root matches the tree at its size,
and that successive checkpoints are consistent; name the first index that
was changed, dropped or reordered.

With -data-dir the check runs here, on a copy of the directory, without
unseal keys. Without it the server runs the check (sys/ledger/verify).

Audit records older than audit_retention have left the stream for the
audit archive: with -data-dir the archive (-archive DIR, default
DATA_DIR/audit-archive when it exists) is checked with the stream, every
archived message at its index, and a missing or altered segment is named.

Exit status: 0 verified, 2 verification failed, 1 could not verify.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return a.fail(cmd, exitFailure, "Invalid output format: %s", format)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if archiveDir != "" && t.dataDir == "" {
				return a.fail(cmd, exitFailure, "ledger verify: -archive needs -data-dir (the archive is checked here, not by the server)")
			}
			rep, arch, err := t.verify(ctx, a, archiveDir)
			if err != nil {
				return a.fail(cmd, exitFailure, "ledger verify: %v", err)
			}
			var out any = rep
			if arch != nil {
				out = arch
			}
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return a.fail(cmd, exitFailure, "ledger verify: %v", err)
				}
			} else {
				printReport(a.stdout, rep)
				printArchive(a.stdout, arch)
			}
			for _, w := range rep.Warnings {
				fmt.Fprintf(a.stderr, "WARNING! %s\n", w)
			}
			if !rep.OK {
				cmd.SilenceErrors, cmd.SilenceUsage = true, true
				return &ExitError{Code: exitTampered}
			}
			return nil
		},
	}
	t.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "table", `output format: "table" or "json"`)
	cmd.Flags().StringVar(&archiveDir, "archive", "", "audit archive to check with the stream (with -data-dir; default DATA_DIR/audit-archive when it exists)")
	return cmd
}

// archiveDir is the audit archive to check with a data dir: -archive,
// or DATA_DIR/audit-archive when it exists, or none.
func (t *target) archiveDir(flag string) (string, error) {
	if flag == "" {
		def := filepath.Join(t.dataDir, archive.DefaultDirName)
		if fi, err := os.Stat(def); err == nil && fi.IsDir() {
			return def, nil
		}
		return "", nil
	}
	if fi, err := os.Stat(flag); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%s is not an audit archive directory", flag)
	}
	return flag, nil
}

// printArchive adds the archive's findings to the summary.
func printArchive(w io.Writer, rep *archive.Report) {
	if rep == nil {
		return
	}
	for _, p := range rep.SegmentProblems {
		name := p.Segment
		if name == "" {
			name = "(unnamed)"
		}
		fmt.Fprintf(w, "SEGMENT %s %s: %s\n", strings.ToUpper(p.Kind), name, p.Detail)
	}
	verdict := "OK"
	if len(rep.SegmentProblems) > 0 {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "audit archive %s: %d segments, %d messages read from it; %s\n", rep.Dir, rep.Segments, rep.Archived, verdict)
}

// verify checks the ledger, offline with the audit archive when there is
// one (then the report is the archive's: the stream and the segments
// together, OK only when both are).
func (t *target) verify(ctx context.Context, a *app, archiveFlag string) (transparency.Report, *archive.Report, error) {
	if t.dataDir != "" {
		dir, err := t.archiveDir(archiveFlag)
		if err != nil {
			return transparency.Report{}, nil, err
		}
		o, err := transparency.OpenOffline(t.dataDir)
		if err != nil {
			return transparency.Report{}, nil, err
		}
		defer o.Close()
		pub, err := t.offlineKey(ctx, a, o)
		if err != nil {
			return transparency.Report{}, nil, err
		}
		src, bar := withProgress(ctx, a, o)
		defer bar.Finish()
		if dir == "" {
			rep, err := transparency.Verify(ctx, src, pub)
			return rep, nil, err
		}
		arch, err := archive.Verify(ctx, src, pub, dir)
		if err != nil {
			return transparency.Report{}, nil, err
		}
		rep := arch.Report
		rep.OK = arch.OK
		return rep, &arch, nil
	}
	rep, err := t.verifyOnline(ctx, a)
	return rep, nil, err
}

func (t *target) verifyOnline(ctx context.Context, a *app) (transparency.Report, error) {
	pinned, err := t.pinnedKey()
	if err != nil {
		return transparency.Report{}, err
	}
	path := "sys/ledger/verify"
	var want string
	if pinned != nil {
		if want, err = transparency.VerifierKey(pinned); err != nil {
			return transparency.Report{}, err
		}
	}
	// One request: the server does the work and reports nothing until it
	// is done, so the bar is a spinner with the time elapsed.
	bar := progress.New(a.stderr, "verifying on the server", progress.Options{Tick: 100 * time.Millisecond})
	data, err := t.readWith(ctx, path, want)
	bar.Finish()
	if err != nil {
		return transparency.Report{}, err
	}
	rep, err := transparency.ReportFromData(data)
	if err != nil {
		return transparency.Report{}, err
	}
	if want != "" && rep.VerifierKey != want {
		// The server checked against another key: its OK means nothing here.
		p := transparency.Problem{Kind: transparency.KindUnverified,
			Detail: fmt.Sprintf("the server checked against %s, not the pinned %s", rep.VerifierKey, want)}
		rep.OK, rep.FirstBad, rep.Problems = false, &p, append([]transparency.Problem{p}, rep.Problems...)
	}
	return rep, nil
}

// printReport writes the human summary.
func printReport(w io.Writer, rep transparency.Report) {
	if p := rep.FirstBad; p != nil {
		switch {
		case p.Index > 0 && p.Exact:
			fmt.Fprintf(w, "FIRST BAD INDEX %d: %s\n", p.Index, p.Kind)
		case p.Index > 0:
			fmt.Fprintf(w, "FIRST BAD INDEX %d..%d: %s (not exact)\n", p.Index, p.Through, p.Kind)
		default:
			fmt.Fprintf(w, "VERIFICATION FAILED: %s\n", p.Kind)
		}
		fmt.Fprintf(w, "  %s\n", p.Detail)
		for _, o := range rep.Problems[1:] {
			fmt.Fprintf(w, "  also %s: %s\n", o.Kind, o.Detail)
		}
	}
	verdict := "OK"
	if !rep.OK {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "verified %d messages against %d checkpoints; %s\n", rep.Messages, rep.Checkpoints, verdict)
	if cp := rep.Latest; cp != nil {
		fmt.Fprintf(w, "latest checkpoint: %d messages, root %s, signed %s\n", cp.Size, cp.Root, cp.Time.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "checkpoint key: %s\n", rep.VerifierKey)
}
