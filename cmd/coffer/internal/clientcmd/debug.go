package clientcmd

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// debugTarget is one file of a debug bundle and the API path it comes
// from.
type debugTarget struct {
	file, path string
	query      map[string][]string
}

// debugTargets are what `coffer debug` collects: the configuration
// without secrets, health and seal status, metrics in both formats (the
// projection and ledger figures among them), a goroutine dump and a heap
// profile, the recent logs and the ledger writer's counters. Each needs
// the token's capabilities on its path (most need sudo); a refused one is
// noted in index.json and the rest is still collected, as Vault's debug
// does.
var debugTargets = []debugTarget{
	{"config.json", "sys/config/state/sanitized", nil},
	{"health.json", "sys/health", nil},
	{"seal-status.json", "sys/seal-status", nil},
	{"metrics.prom", "sys/metrics", map[string][]string{"format": {"prometheus"}}},
	{"metrics.json", "sys/metrics", nil},
	{"goroutines.txt", "sys/pprof/goroutine", map[string][]string{"debug": {"2"}}},
	{"heap.prof", "sys/pprof/heap", nil},
	{"logs.txt", "sys/debug/logs", nil},
	{"ledger-stats.json", "sys/ledger/stats", nil},
}

// debugIndexEntry reports one target in index.json.
type debugIndexEntry struct {
	File   string `json:"file"`
	Path   string `json:"path"`
	Status int    `json:"status,omitempty"`
	Bytes  int    `json:"bytes"`
	Error  string `json:"error,omitempty"`
}

func (a *app) debugCmd() *cobra.Command {
	var outPath string
	cmd := &cobra.Command{
		Use:   "debug [flags]",
		Short: "Write a support bundle: config without secrets, metrics, goroutines, logs, ledger stats",
		Args:  nArgs(0, 0),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
		stamp := time.Now().UTC().Format("2006-01-02T15-04-05Z")
		if outPath == "" {
			outPath = "coffer-debug-" + stamp + ".tar.gz"
		}
		f, err := os.OpenFile(outPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fail(1, "Error creating the bundle: %s", err)
		}
		index, err := writeDebugBundle(ctx, c, f, strings.TrimSuffix(strings.TrimSuffix(baseName(outPath), ".gz"), ".tar"))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(outPath)
			return fail(2, "Error writing the bundle: %s", err)
		}
		failed := 0
		for _, e := range index {
			if e.Error != "" {
				failed++
				fmt.Fprintf(a.stderr, "Skipped %s (%s): %s\n", e.File, e.Path, e.Error)
			}
		}
		o.infof("Success! Wrote the debug bundle to %s (%d of %d parts).", outPath, len(index)-failed, len(index))
		return nil
	})
	cmd.Flags().StringVar(&outPath, "output", "", "Bundle file to write (default coffer-debug-<time>.tar.gz); never overwritten")
	return cmd
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// writeDebugBundle collects every target into a gzipped tar under dir/,
// with index.json last.
func writeDebugBundle(ctx context.Context, c *api.Client, w io.Writer, dir string) ([]debugIndexEntry, error) {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	now := time.Now()
	add := func(name string, body []byte) error {
		hdr := &tar.Header{Name: dir + "/" + name, Mode: 0o600, Size: int64(len(body)), ModTime: now}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	index := make([]debugIndexEntry, 0, len(debugTargets))
	for _, t := range debugTargets {
		e := debugIndexEntry{File: t.file, Path: t.path}
		body, status, err := debugFetch(ctx, c, t)
		e.Status, e.Bytes = status, len(body)
		if err != nil {
			e.Error = err.Error()
		} else if err := add(t.file, body); err != nil {
			return nil, err
		}
		index = append(index, e)
	}
	ib, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := add("index.json", append(ib, '\n')); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return index, gz.Close()
}

// debugFetch reads one target's body as the server sent it.
func debugFetch(ctx context.Context, c *api.Client, t debugTarget) ([]byte, int, error) {
	resp, err := c.Logical().ReadRawWithDataWithContext(ctx, t.path, t.query)
	status := 0
	if resp != nil {
		defer resp.Body.Close()
		status = resp.StatusCode
	}
	// sys/health answers 429/472/473/501/503 with a body worth keeping.
	if err != nil && !(t.path == "sys/health" && resp != nil) {
		return nil, status, err
	}
	if resp == nil {
		return nil, status, fmt.Errorf("no response")
	}
	body, err := io.ReadAll(resp.Body)
	return body, status, err
}
