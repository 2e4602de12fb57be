package runner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
	"github.com/cofferhq/coffer/node"
)

var errTest = errors.New("test error")

// server is a real in-process Coffer node on a loopback port.
type server struct {
	n    *node.Node
	root *vault.Client
}

func startNode(t *testing.T) *server {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Coffer node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: "root",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	c := client(t, n.Addr)
	c.SetToken("root")
	return &server{n: n, root: c}
}

func client(t *testing.T, addr string) *vault.Client {
	cfg := vault.DefaultConfig()
	cfg.Address = addr
	cfg.MaxRetries = 0
	c, err := vault.NewClient(cfg)
	require.NoError(t, err)
	c.ClearToken()
	return c
}

// token creates a token with policy text (and the default policy).
func (s *server) token(t *testing.T, name, policy string) string {
	require.NoError(t, s.root.Sys().PutPolicy(name, policy))
	sec, err := s.root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{name}, TTL: "1h"})
	require.NoError(t, err)
	return sec.Auth.ClientToken
}

// logBuffer collects the runner's log for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

type started struct {
	r       *Runner
	log     *logBuffer
	done    chan error
	invalid chan string
}

func startRunner(t *testing.T, s *server, token string, interval time.Duration, templates ...config.Template) *started {
	t.Helper()
	lb := &logBuffer{}
	inv := make(chan string, 8)
	c := client(t, s.n.Addr)
	r, err := New(Options{Templates: templates, TemplateCfg: config.TemplateConfig{StaticSecretRenderInterval: interval},
		NumRetries: 12, Client: c, Stream: true, HTTP: &http.Client{}, Log: slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Invalidate: func(tok string) { inv <- tok }})
	require.NoError(t, err)
	r.SetToken(token)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, false) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("runner log:\n%s", lb.String())
		}
	})
	return &started{r: r, log: lb, done: done, invalid: inv}
}

func tmplFor(dir, name, contents string) config.Template {
	return config.Template{Destination: filepath.Join(dir, name), Contents: contents, Perms: 0o600, LeftDelim: "{{", RightDelim: "}}", CreateDestDirs: true}
}

func waitFile(t *testing.T, path, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		b, err := os.ReadFile(path)
		if err == nil && string(b) == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s: want %q within %s, have %q (%v)", path, want, within, b, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const kvTemplate = `{{ with secret "secret/myapp/config" }}api_key={{ .Data.data.api_key }}{{ end }}`

func TestKVChangeIsPushedWithinASecond(t *testing.T) {
	s := startNode(t)
	kv := s.root.KVv2("secret")
	_, err := kv.Put(t.Context(), "myapp/config", map[string]any{"api_key": "v1"})
	require.NoError(t, err)
	// The tutorial's policy alone: a token follows the paths it can read.
	tok := s.token(t, "myapp", `path "secret/data/myapp/*" { capabilities = ["read", "list"] }`)
	dir := t.TempDir()
	a := startRunner(t, s, tok, time.Hour, tmplFor(dir, "config", kvTemplate))
	waitFile(t, filepath.Join(dir, "config"), "api_key=v1", 10*time.Second)
	fi, err := os.Stat(filepath.Join(dir, "config"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	for i, v := range []string{"v2", "v3"} {
		_, err = kv.Put(t.Context(), "myapp/config", map[string]any{"api_key": v})
		require.NoError(t, err)
		took := waitFile(t, filepath.Join(dir, "config"), "api_key="+v, time.Second) // the poll interval is an hour
		t.Logf("change %d re-rendered %s after the write returned", i+1, took)
	}
	require.Contains(t, a.log.String(), "event stream connected")
	require.NotContains(t, a.log.String(), "v2", "a secret value reached the log")
}

func TestPollingWhenTheTokenMayNotSubscribe(t *testing.T) {
	s := startNode(t)
	kv := s.root.KVv2("secret")
	_, err := kv.Put(t.Context(), "myapp/config", map[string]any{"api_key": "p1"})
	require.NoError(t, err)
	tok := s.token(t, "myapp", `path "secret/data/myapp/*" { capabilities = ["read"] }
path "sys/events/subscribe/*" { capabilities = ["deny"] }`)
	dir := t.TempDir()
	a := startRunner(t, s, tok, 300*time.Millisecond, tmplFor(dir, "config", kvTemplate))
	waitFile(t, filepath.Join(dir, "config"), "api_key=p1", 10*time.Second)
	_, err = kv.Put(t.Context(), "myapp/config", map[string]any{"api_key": "p2"})
	require.NoError(t, err)
	waitFile(t, filepath.Join(dir, "config"), "api_key=p2", 5*time.Second)
	require.Contains(t, a.log.String(), "event stream unavailable; polling")
}

func TestRevokedTokenIsReportedAndNewTokenRendersAgain(t *testing.T) {
	s := startNode(t)
	kv := s.root.KVv2("secret")
	_, err := kv.Put(t.Context(), "myapp/config", map[string]any{"api_key": "r1"})
	require.NoError(t, err)
	pol := `path "secret/data/myapp/*" { capabilities = ["read"] }
path "sys/events/subscribe/*" { capabilities = ["read"] }`
	tok := s.token(t, "myapp", pol)
	dir := t.TempDir()
	a := startRunner(t, s, tok, time.Hour, tmplFor(dir, "config", kvTemplate))
	waitFile(t, filepath.Join(dir, "config"), "api_key=r1", 10*time.Second)

	require.NoError(t, s.root.Auth().Token().RevokeOrphan(tok))
	select {
	case got := <-a.invalid:
		require.Equal(t, tok, got)
	case <-time.After(10 * time.Second):
		t.Fatal("revocation not reported")
	}
	// Auto-auth would log in now; hand the runner the new token.
	_, err = kv.Put(t.Context(), "myapp/config", map[string]any{"api_key": "r2"})
	require.NoError(t, err)
	a.r.SetToken(s.token(t, "myapp2", pol))
	waitFile(t, filepath.Join(dir, "config"), "api_key=r2", 5*time.Second)
}

func TestExitOnRetryFailure(t *testing.T) {
	s := startNode(t)
	dir := t.TempDir()
	r, err := New(Options{Templates: []config.Template{tmplFor(dir, "x", `{{ with secret "secret/data/absent" }}{{ .Data }}{{ end }}`)},
		TemplateCfg: config.TemplateConfig{ExitOnRetryFailure: true}, NumRetries: 1, Client: client(t, s.n.Addr),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	r.SetToken("root")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = r.Run(ctx, false)
	require.ErrorIs(t, err, ErrRetriesExhausted)
	_, statErr := os.Stat(filepath.Join(dir, "x"))
	require.True(t, os.IsNotExist(statErr), "a failed template must not be written")
}

func TestOnceRendersEverythingAndSharesFetches(t *testing.T) {
	s := startNode(t)
	kv := s.root.KVv2("secret")
	_, err := kv.Put(t.Context(), "myapp/config", map[string]any{"api_key": "o1"})
	require.NoError(t, err)
	dir := t.TempDir()
	var templates []config.Template
	for _, name := range []string{"a", "b", "c"} {
		templates = append(templates, tmplFor(dir, name, kvTemplate))
	}
	r, err := New(Options{Templates: templates, NumRetries: 2, Client: client(t, s.n.Addr), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	r.SetToken("root")
	require.NoError(t, r.Run(t.Context(), true))
	for _, name := range []string{"a", "b", "c"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Equal(t, "api_key=o1", string(b))
	}
	require.Len(t, r.store.entries, 1, "three templates reading one path share one entry")
}
