package eventscmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/cmd/coffer/internal/ledgercmd"
	"github.com/cofferhq/coffer/cmd/coffer/internal/progress"
)

// replayPageSize is how many entries one request asks for.
const replayPageSize = 1000

type replayFlags struct {
	conn                           connection
	since, until, path, actor, typ string
	format                         string
	limit                          int
	// archive, dataDir, unsealKeys: replay_archive.go.
	archive             ledgercmd.ArchiveFlags
	dataDir, unsealKeys string
}

func (a *app) replayCmd() *cobra.Command {
	f := &replayFlags{}
	cmd := &cobra.Command{
		Use:   "replay [flags]",
		Short: "Print the audit trail and events of a stretch of the ledger (sudo)",
		Long: `Reads sys/ledger/replay page by page: audit records as stored (HMAC'd) and
domain events as their public events, never a secret value. -since and -until
take a ledger index or an RFC 3339 time; -actor a token accessor.

With -archive DIR (or -archive s3://bucket/prefix) and -data-dir DATA, the
audit records archived after they aged out of the ledger (audit_retention)
are read here instead, from the segments in DIR or the bucket, opened with the keyring of the ledger in DATA (a copy
of it is started; unsealed with DATA's dev key file, or with the unseal
key shares in the file -unseal-keys-file names, one per line). An S3
archive is reached with the AWS SDK's default chain (AWS_REGION,
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an instance
role); -s3-endpoint and -s3-force-path-style reach an S3-compatible
server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.format != "table" && f.format != "json" {
				return fmt.Errorf("invalid format %q: use table or json", f.format)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if f.archive.Location != "" || f.dataDir != "" {
				return a.report(cmd, a.replayArchive(ctx, f))
			}
			return a.report(cmd, a.replay(ctx, f))
		},
	}
	f.conn.addFlags(cmd.Flags())
	fs := cmd.Flags()
	fs.StringVar(&f.since, "since", "", "First ledger index or RFC 3339 time (default: the beginning)")
	fs.StringVar(&f.until, "until", "", "Last ledger index or RFC 3339 time (default: now)")
	fs.StringVar(&f.path, "path", "", "Only records whose path starts with this")
	fs.StringVar(&f.actor, "actor", "", "Only records of this token accessor")
	fs.StringVar(&f.typ, "type", "", "Only these types (glob: 'audit.*', 'kv-v2/*')")
	fs.StringVar(&f.format, "format", "table", `Output: "table" or "json" (one JSON object per line)`)
	fs.IntVar(&f.limit, "limit", 0, "Print at most this many records (0: all)")
	f.archive.Add(fs, "Replay the audit archive in this directory or s3://bucket/prefix, offline (with -data-dir)")
	fs.StringVar(&f.dataDir, "data-dir", "", "Data dir whose ledger holds the keyring that opens the archive")
	fs.StringVar(&f.unsealKeys, "unseal-keys-file", "", "File of unseal key shares, one per line (default: the data dir's dev key)")
	return cmd
}

// replayEntry is what the command shows of an entry; json output prints
// the server's entry unchanged.
type replayEntry struct {
	Cursor    string          `json:"cursor"`
	Time      time.Time       `json:"time"`
	Type      string          `json:"type"`
	Actor     string          `json:"actor"`
	Path      string          `json:"path"`
	Operation string          `json:"operation"`
	Error     string          `json:"error"`
	Raw       json.RawMessage `json:"-"`
}

type replayPage struct {
	Entries []json.RawMessage `json:"entries"`
	Next    string            `json:"next"`
	From    uint64            `json:"from"`
	To      uint64            `json:"to"`
}

// replayProgress draws a bar on stderr while the records go to a file or a
// pipe: only when stdout is not a terminal (there the records themselves
// show progress) and stderr is one. It tracks the ledger index reached
// within the range read.
type replayProgress struct {
	bar  *progress.Bar
	from uint64
}

func newReplayProgress(stdout, stderr io.Writer) *replayProgress {
	if progress.IsTerminal(stdout) {
		return &replayProgress{}
	}
	return &replayProgress{bar: progress.New(stderr, "replaying", progress.Options{Unit: "messages"})}
}

func (p *replayProgress) page(pg *replayPage) {
	if p.bar == nil {
		return
	}
	if p.from == 0 {
		p.from = pg.From
		p.bar.SetTotal(int64(pg.To - pg.From + 1))
	}
	if n := len(pg.Entries); n > 0 {
		var last struct {
			LedgerIndex uint64 `json:"ledger_index"`
		}
		if json.Unmarshal(pg.Entries[n-1], &last) == nil && last.LedgerIndex >= p.from {
			p.bar.Set(int64(last.LedgerIndex - p.from + 1))
		}
	}
}

func (p *replayProgress) finish() { p.bar.Finish() }

func (a *app) replay(ctx context.Context, f *replayFlags) error {
	c, err := f.conn.client()
	if err != nil {
		return err
	}
	q := url.Values{}
	for k, v := range map[string]string{"since": f.since, "until": f.until, "path": f.path, "actor": f.actor, "type": f.typ} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var tw *tabwriter.Writer
	if f.format == "table" {
		tw = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CURSOR\tTIME\tTYPE\tACTOR\tPATH\tOPERATION\tERROR")
		defer tw.Flush()
	}
	bar := newReplayProgress(a.stdout, a.stderr)
	defer bar.finish()
	printed := 0
	for {
		size := replayPageSize
		if f.limit > 0 {
			size = min(size, f.limit-printed)
		}
		q.Set("limit", strconv.Itoa(size))
		req, err := c.newRequest("sys/ledger/replay", q)
		if err != nil {
			return err
		}
		var page replayPage
		if err := c.read(req.WithContext(ctx), &page); err != nil {
			return err
		}
		bar.page(&page)
		for _, raw := range page.Entries {
			if err := a.printEntry(tw, raw); err != nil {
				return err
			}
			printed++
		}
		if page.Next == "" || (f.limit > 0 && printed >= f.limit) {
			return nil
		}
		q.Set("after", page.Next)
		// Pin the end of the range at the first page's, so a growing
		// ledger (this command's own audit records included) cannot keep
		// the replay going forever.
		q.Set("until", strconv.FormatUint(page.To, 10))
	}
}

func (a *app) printEntry(tw *tabwriter.Writer, raw json.RawMessage) error {
	if tw == nil {
		_, err := fmt.Fprintln(a.stdout, string(raw))
		return err
	}
	var e replayEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("eventscmd: undecodable entry: %w", err)
	}
	_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Cursor, e.Time.UTC().Format(time.RFC3339), e.Type,
		short(e.Actor), e.Path, e.Operation, e.Error)
	return err
}

// short trims an HMAC'd accessor for the table; json output keeps it whole.
func short(actor string) string {
	if rest, ok := strings.CutPrefix(actor, "hmac-sha256:"); ok && len(rest) > 12 {
		return "hmac:" + rest[:12]
	}
	return actor
}
