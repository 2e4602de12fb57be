package auth

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

// eventually polls fn until it holds.
func eventually(t *testing.T, timeout time.Duration, fn func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", timeout, msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type tokens struct {
	mu  sync.Mutex
	got []Token
}

func (r *tokens) add(t Token) { r.mu.Lock(); r.got = append(r.got, t); r.mu.Unlock() }
func (r *tokens) n() int      { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) }
func (r *tokens) last() Token { r.mu.Lock(); defer r.mu.Unlock(); return r.got[len(r.got)-1] }

func startHandler(t *testing.T, f *fakeVault, h *Handler) (*tokens, chan error) {
	t.Helper()
	dir := t.TempDir()
	jwt := filepath.Join(dir, "jwt")
	writeFile(t, jwt, "jwt")
	if h.Method == nil {
		h.Method = &Kubernetes{MountPath: "auth/kubernetes", Role: "myapp", TokenPath: jwt}
	}
	h.Client = f.client()
	h.Sinks = []config.Sink{{Type: "file", Path: filepath.Join(dir, "sink"), Mode: 0o600}}
	if h.MinBackoff == 0 {
		h.MinBackoff, h.MaxBackoff = 10*time.Millisecond, 50*time.Millisecond
	}
	rec := &tokens{}
	h.OnToken = rec.add
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx, false) }()
	t.Cleanup(func() { cancel(); <-done })
	return rec, done
}

func TestHandlerRetriesLoginThenWritesSink(t *testing.T) {
	f := newFakeVault(t)
	f.failNext = 2
	h := &Handler{}
	rec, _ := startHandler(t, f, h)
	eventually(t, 5*time.Second, func() bool { return rec.n() == 1 }, "first token")
	require.Equal(t, 3, f.count("/v1/auth/kubernetes/login"), "two failures, then success")
	b, err := os.ReadFile(h.Sinks[0].Path)
	require.NoError(t, err)
	require.Equal(t, "hvs.issued-1", string(b))
	require.Equal(t, "hvs.issued-1", h.Current())
}

func TestHandlerExitOnErr(t *testing.T) {
	f := newFakeVault(t)
	f.failNext = 1
	h := &Handler{ExitOnErr: true}
	_, done := startHandler(t, f, h)
	select {
	case err := <-done:
		require.Error(t, err)
		done <- err // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("handler did not exit on a login error")
	}
}

func TestHandlerRenewsAtTwoThirdsAndReloginsWhenRevoked(t *testing.T) {
	f := newFakeVault(t)
	f.ttl = 3
	h := &Handler{}
	rec, _ := startHandler(t, f, h)
	eventually(t, 5*time.Second, func() bool { return rec.n() == 1 }, "first token")
	start := time.Now()
	eventually(t, 5*time.Second, func() bool { return f.count("/v1/auth/token/renew-self") >= 1 }, "a renewal")
	elapsed := time.Since(start)
	require.Greater(t, elapsed, time.Second, "renewed too early")
	require.Equal(t, 1, rec.n(), "renewal must not log in again")

	// Revoked: the next renewal gets 403 and the handler logs in again.
	f.revoke("hvs.issued-1")
	eventually(t, 6*time.Second, func() bool { return rec.n() == 2 }, "re-login after revocation")
	require.Equal(t, "hvs.issued-2", rec.last().Token)
	b, _ := os.ReadFile(h.Sinks[0].Path)
	require.Equal(t, "hvs.issued-2", string(b))
}

func TestHandlerInvalidateLogsInAgainOnce(t *testing.T) {
	f := newFakeVault(t)
	h := &Handler{}
	rec, _ := startHandler(t, f, h)
	eventually(t, 5*time.Second, func() bool { return rec.n() == 1 }, "first token")
	h.Invalidate("hvs.not-current")
	h.Invalidate("hvs.issued-1")
	h.Invalidate("hvs.issued-1")
	eventually(t, 5*time.Second, func() bool { return rec.n() == 2 }, "re-login")
	require.Equal(t, 2, f.count("/v1/auth/kubernetes/login"))
}

func TestHandlerNonRenewableLogsInBeforeExpiry(t *testing.T) {
	f := newFakeVault(t)
	f.ttl, f.renewable = 2, false
	h := &Handler{}
	rec, _ := startHandler(t, f, h)
	eventually(t, 5*time.Second, func() bool { return rec.n() == 1 }, "first token")
	first := rec.last()
	eventually(t, 5*time.Second, func() bool { return rec.n() == 2 }, "second login")
	second := rec.last()
	require.Less(t, second.Obtained.Sub(first.Obtained), 2*time.Second, "the new login must come before the old token expired")
	require.Zero(t, f.count("/v1/auth/token/renew-self"))
}

func TestHandlerOnce(t *testing.T) {
	f := newFakeVault(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "jwt"), "jwt")
	var got []Token
	h := &Handler{Method: &Kubernetes{MountPath: "auth/kubernetes", Role: "r", TokenPath: filepath.Join(dir, "jwt")},
		Client: f.client(), Sinks: []config.Sink{{Path: filepath.Join(dir, "s"), Mode: 0o600}},
		OnToken: func(tok Token) { got = append(got, tok) }}
	require.NoError(t, h.Run(t.Context(), true))
	require.Len(t, got, 1)
}
