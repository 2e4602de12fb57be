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
	var format string
	var arch ArchiveFlags
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
audit archive: with -data-dir the archive (-archive DIR or
-archive s3://bucket/prefix, default DATA_DIR/audit-archive when it
exists) is checked with the stream, every archived message at its index,
and a missing or altered segment is named. An S3 archive is reached with
the AWS SDK's default chain (AWS_REGION, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, a profile, an instance role); -s3-endpoint and
-s3-force-path-style reach an S3-compatible server.

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
			if arch.Location != "" && t.dataDir == "" {
				return a.fail(cmd, exitFailure, "ledger verify: -archive needs -data-dir (the archive is checked here, not by the server)")
			}
			rep, archRep, err := t.verify(ctx, a, &arch)
			if err != nil {
				return a.fail(cmd, exitFailure, "ledger verify: %v", err)
			}
			var out any = rep
			if archRep != nil {
				out = archRep
			}
			if format == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return a.fail(cmd, exitFailure, "ledger verify: %v", err)
				}
			} else {
				printReport(a.stdout, rep)
				printArchive(a.stdout, archRep)
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
	arch.Add(cmd.Flags(), "audit archive to check with the stream, a directory or s3://bucket/prefix (with -data-dir; default DATA_DIR/audit-archive when it exists)")
	return cmd
}

// archive is the audit archive to check with a data dir: -archive, or
// DATA_DIR/audit-archive when it exists, or none (nil).
func (t *target) archive(ctx context.Context, f *ArchiveFlags) (archive.Store, error) {
	if f.Location == "" {
		def := filepath.Join(t.dataDir, archive.DefaultDirName)
		if fi, err := os.Stat(def); err == nil && fi.IsDir() {
			return archive.Dir(def), nil
		}
		return nil, nil
	}
	return f.Open(ctx)
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
	fmt.Fprintf(w, "audit archive %s: %d segments, %d messages read from it; %s\n", rep.Archive, rep.Segments, rep.Archived, verdict)
}

// verify checks the ledger, offline with the audit archive when there is
// one (then the report is the archive's: the stream and the segments
// together, OK only when both are).
func (t *target) verify(ctx context.Context, a *app, archiveFlags *ArchiveFlags) (transparency.Report, *archive.Report, error) {
	if t.dataDir != "" {
		st, err := t.archive(ctx, archiveFlags)
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
		if st == nil {
			rep, err := transparency.Verify(ctx, src, pub)
			return rep, nil, err
		}
		arch, err := archive.Verify(ctx, src, pub, st)
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
