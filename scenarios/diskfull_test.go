package scenarios_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// TestFullDiskFailsClosedAndRecovers runs the binary on a data dir on a
// small tmpfs, fills the disk, and checks Vault's central promise under
// it: every request, reads included, is answered at once with a 503 that
// says why (never a hang), nothing is half-applied, and when space
// returns the server serves again within seconds, without a restart.
func TestFullDiskFailsClosedAndRecovers(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the coffer binary")
	}
	if os.Geteuid() != 0 {
		t.Skip("skipping: mounting a tmpfs to fill a disk needs root (CI runs as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("skipping: cannot mount a tmpfs (%v: %s)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })

	s := harness.Start(t, harness.Options{DataDir: dir})
	c := s.Client(t)
	ctx := context.Background()
	kv := c.KVv2("secret")
	_, err := kv.Put(ctx, "app/db", map[string]any{"password": "before"})
	require.NoError(t, err)
	tok, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h"})
	require.NoError(t, err)

	filler := fillDisk(t, dir)

	// Each request on its own connection, with a generous client
	// timeout: the server must answer well within it.
	hc := &http.Client{Timeout: 30 * time.Second}
	requests := []struct{ method, path, body string }{
		{"GET", "/v1/secret/data/app/db", ""},
		{"GET", "/v1/secret/metadata/app/db", ""},
		{"POST", "/v1/secret/data/app/db", `{"data":{"password":"during"}}`},
		{"POST", "/v1/secret/data/app/new", `{"data":{"password":"during"}}`},
		{"POST", "/v1/auth/token/create", `{"policies":["default"]}`},
		{"GET", "/v1/auth/token/lookup-self", ""},
		{"GET", "/v1/sys/mounts", ""},
		{"LIST", "/v1/secret/metadata/app", ""},
	}
	for _, r := range requests {
		req, err := http.NewRequest(r.method, s.Addr+r.path, strings.NewReader(r.body))
		require.NoError(t, err)
		req.Header.Set("X-Vault-Token", s.Token)
		start := time.Now()
		resp, err := hc.Do(req)
		require.NoError(t, err, "%s %s", r.method, r.path)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		took := time.Since(start)
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s %s: %s", r.method, r.path, body)
		require.Contains(t, string(body), "storage full", "%s %s says why", r.method, r.path)
		require.NotContains(t, string(body), "before", "no secret data in a refused answer")
		require.Less(t, took, 3*time.Second, "%s %s answered promptly", r.method, r.path)
	}
	// A load balancer's health check takes the node out of the pool.
	resp, err := hc.Get(s.Addr + "/v1/sys/health")
	require.NoError(t, err)
	hbody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s", hbody)
	require.Contains(t, string(hbody), `"storage_error"`)
	require.Contains(t, string(hbody), "storage full")

	require.NoError(t, os.Remove(filler))
	var recovered time.Duration
	start := time.Now()
	harness.Eventually(t, 15*time.Second, 100*time.Millisecond, func() error {
		_, err := kv.Put(ctx, "app/after", map[string]any{"password": "after"})
		recovered = time.Since(start)
		return err
	})
	t.Logf("serving again %s after space was freed", recovered.Round(time.Millisecond))
	healthy, err := c.Sys().Health()
	require.NoError(t, err, "sys/health is 200 again once space returns")
	require.False(t, healthy.Sealed)

	// Nothing refused was applied: app/db is still at its first version,
	// app/new does not exist.
	got, err := kv.Get(ctx, "app/db")
	require.NoError(t, err)
	require.Equal(t, "before", got.Data["password"])
	require.Equal(t, 1, got.VersionMetadata.Version)
	_, err = kv.Get(ctx, "app/new")
	require.ErrorIs(t, err, vault.ErrSecretNotFound)
	// The token made before still works, everything written after reads
	// back, and the ledger still verifies.
	c2, err := c.Clone()
	require.NoError(t, err)
	c2.SetToken(tok.Auth.ClientToken)
	_, err = c2.Auth().Token().LookupSelf()
	require.NoError(t, err)
	after, err := kv.Get(ctx, "app/after")
	require.NoError(t, err)
	require.Equal(t, "after", after.Data["password"])
	_, err = kv.Put(ctx, "app/db", map[string]any{"password": "second"})
	require.NoError(t, err)
	got, err = kv.Get(ctx, "app/db")
	require.NoError(t, err)
	require.Equal(t, 2, got.VersionMetadata.Version)
}

// TestFullDiskUnderLoad fills the disk while clients write: commits in
// flight meet ENOSPC inside the embedded server. Every write is answered
// (success or a prompt 503), every acknowledged write reads back after
// recovery, and the server serves again without a restart.
func TestFullDiskUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the coffer binary")
	}
	if os.Geteuid() != 0 {
		t.Skip("skipping: mounting a tmpfs to fill a disk needs root (CI runs as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("skipping: cannot mount a tmpfs (%v: %s)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })

	s := harness.Start(t, harness.Options{DataDir: dir})
	c := s.Client(t)
	ctx := context.Background()
	kv := c.KVv2("secret")
	value := make([]byte, 16<<10)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}

	var (
		stop     atomic.Bool
		mu       sync.Mutex
		acked    = map[string]bool{}
		refused  int
		slowest  time.Duration
		wg       sync.WaitGroup
		filledAt atomic.Int64
	)
	for w := range 8 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				path := fmt.Sprintf("load/%d/%d", w, i)
				start := time.Now()
				_, err := kv.Put(ctx, path, map[string]any{"v": string(value)})
				took := time.Since(start)
				mu.Lock()
				if took > slowest && filledAt.Load() > 0 {
					slowest = took
				}
				if err == nil {
					acked[path] = true
				} else {
					refused++
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	filler := fillDisk(t, dir)
	filledAt.Store(time.Now().UnixNano())
	time.Sleep(2 * time.Second)
	stop.Store(true)
	wg.Wait()
	t.Logf("%d writes acknowledged, %d refused; slowest answer after the fill %s", len(acked), refused, slowest)
	require.Greater(t, refused, 0, "the disk filled up")
	require.Less(t, slowest, 5*time.Second, "answers stay prompt")

	require.NoError(t, os.Remove(filler))
	harness.Eventually(t, 20*time.Second, 100*time.Millisecond, func() error {
		_, err := kv.Put(ctx, "after/load", map[string]any{"v": "ok"})
		return err
	})
	for path := range acked {
		got, err := kv.Get(ctx, path)
		require.NoError(t, err, "acknowledged write %s", path)
		require.Equal(t, string(value), got.Data["v"])
	}
}

// fillDisk writes a file in dir until the file system is full.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	buf := make([]byte, 1<<20)
	for _, size := range []int{1 << 20, 4096, 512} {
		for {
			if _, err := f.Write(buf[:size]); err != nil {
				break
			}
		}
	}
	return path
}
