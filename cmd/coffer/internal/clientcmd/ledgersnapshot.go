package clientcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/cluster/backup"
	"github.com/cofferhq/coffer/cmd/coffer/internal/progress"
)

// ledgerSnapshotCmd: `operator snapshot save|restore|inspect`, a backup of
// the ledger stream itself (JetStream's stream snapshots, cluster/backup)
// over sys/storage/ledger/snapshot. Not to be confused with `operator raft
// snapshot`, a snapshot of the read models that only spares a node most of
// a replay.
func (a *app) ledgerSnapshotCmd() *cobra.Command {
	snap := &cobra.Command{Use: "snapshot", Short: "Back up the ledger stream, or restore it into a new deployment"}
	save := &cobra.Command{
		Use: "save FILE", Short: "Save a backup of the ledger stream (sealed: the deployment's unseal keys open it) to FILE", Args: nArgs(1, 1),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
			m, err := saveLedgerBackup(ctx, c, args[0], o.err)
			return printManifest(o, m, err, "")
		}),
	}
	restore := &cobra.Command{
		Use: "restore FILE", Short: "Restore a ledger backup into a new deployment (started, not initialised)", Args: nArgs(1, 1),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
			m, err := restoreLedgerBackup(ctx, c, args[0], o.err)
			return printManifest(o, m, err, "Restored. Unseal every node with the unseal keys (or the KMS key) of the deployment the backup came from;\n"+
				"each node rebuilds its read models from the restored ledger as it unseals.")
		}),
	}
	inspect := &cobra.Command{
		Use: "inspect FILE", Short: "Check a ledger backup whole (framing, digests) and list what it holds", Args: nArgs(1, 1),
		// Offline: the client is built but never used.
		RunE: a.run(func(_ context.Context, _ *cobra.Command, args []string, _ *api.Client, o *output) error {
			m, err := checkBackupFile(args[0])
			return printManifest(o, m, err, "")
		}),
	}
	snap.AddCommand(save, restore, inspect)
	return snap
}

// printManifest lists a backup's streams (or prints it as JSON), then
// note; it passes err on untouched.
func printManifest(o *output, m backup.Manifest, err error, note string) error {
	if err != nil {
		return err
	}
	if !o.isTable() {
		return o.json(m)
	}
	fmt.Fprintf(o.out, "Backup taken %s on %s\n", m.Header.Created.Format(time.RFC3339), m.Header.Node)
	var rows [][]string
	for _, s := range m.Streams {
		rows = append(rows, []string{s.Name, fmt.Sprint(s.Messages()), fmt.Sprint(s.LastSeq()), fmt.Sprint(s.Bytes)})
	}
	fmt.Fprint(o.out, formatTable([]string{"Stream", "Messages", "Last Sequence", "Bytes"}, rows))
	if note != "" {
		o.infof("%s", note)
	}
	return nil
}

// checkBackupFile reads a backup file whole and checks it.
func checkBackupFile(path string) (backup.Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return backup.Manifest{}, fail(1, "Error opening the backup: %s", err)
	}
	defer f.Close()
	m, err := backup.Check(f)
	if err != nil {
		return m, fail(2, "Error: %s: %s", path, err)
	}
	return m, nil
}

// saveLedgerBackup streams the backup into a temporary file beside FILE,
// checking it as it arrives, and renames it into place only when it is
// whole: a save cut short leaves no FILE.
func saveLedgerBackup(ctx context.Context, c *api.Client, path string, stderr io.Writer) (backup.Manifest, error) {
	var m backup.Manifest
	err := writeFileWhole(path, func(w io.Writer) error {
		resp, err := c.RawRequestWithContext(ctx, c.NewRequest(http.MethodGet, "/v1/sys/storage/ledger/snapshot"))
		if err != nil {
			return fail(2, "Error taking the ledger backup: %s", err)
		}
		defer resp.Body.Close()
		bar := progress.New(stderr, "saving ledger backup", progress.Options{Unit: "bytes", Tick: 200 * time.Millisecond})
		defer bar.Finish()
		pr, pw := io.Pipe()
		checked := make(chan error, 1)
		go func() {
			var err error
			m, err = backup.Check(pr)
			pr.CloseWithError(err) // unblocks the copy if the check stopped early
			checked <- err
		}()
		_, cerr := io.Copy(io.MultiWriter(&countingWriter{w: w, bar: bar}, pw), resp.Body)
		pw.CloseWithError(cerr)
		if err := <-checked; err != nil {
			return fail(2, "Error taking the ledger backup: the server's stream is not a whole backup: %s", err)
		}
		if cerr != nil {
			return fail(2, "Error taking the ledger backup: %s", cerr)
		}
		return nil
	})
	return m, err
}

// writeFileWhole runs write into a temporary file (mode 0600) beside path
// and renames it to path only when write and the close succeeded.
func writeFileWhole(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fail(1, "Error creating %s: %s", path, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return fail(1, "Error writing %s: %s", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(1, "Error writing %s: %s", path, err)
	}
	return nil
}

// restoreLedgerBackup checks the file whole first (a broken file is
// refused here, before the server is asked), then streams it to the
// server, which checks it again as it restores.
func restoreLedgerBackup(ctx context.Context, c *api.Client, path string, stderr io.Writer) (backup.Manifest, error) {
	m, err := checkBackupFile(path)
	if err != nil {
		return m, err
	}
	f, err := os.Open(path)
	if err != nil {
		return m, fail(1, "Error opening the backup: %s", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return m, fail(1, "Error opening the backup: %s", err)
	}
	bar := progress.New(stderr, "restoring ledger backup", progress.Options{Unit: "bytes", Total: st.Size(), Tick: 200 * time.Millisecond})
	defer bar.Finish()
	// Plain HTTP, not the API client's retrying one, which would hold
	// the whole body in memory to resend it; a failed restore has been
	// undone by the server and its error says why, so it is not resent.
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, strings.TrimSuffix(c.Address(), "/")+backup.RestorePath, io.TeeReader(f, &countingWriter{w: io.Discard, bar: bar}))
	if err != nil {
		return m, fail(1, "Error: %s", err)
	}
	req.ContentLength = st.Size()
	if tok := c.Token(); tok != "" {
		req.Header.Set("X-Vault-Token", tok)
	}
	resp, err := c.CloneConfig().HttpClient.Do(req)
	if err != nil {
		return m, fail(2, "Error restoring the ledger backup: %s", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Errors []string `json:"errors"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e)
		return m, fail(2, "Error restoring the ledger backup: %d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), strings.Join(e.Errors, "; "))
	}
	return m, nil
}
