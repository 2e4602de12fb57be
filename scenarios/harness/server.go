package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
)

// Options configures a server. The zero value is a dev server on a fresh
// data dir with a random root token.
type Options struct {
	Bin          string        // binary to run; default Binary(t) (Launch requires it)
	DataDir      string        // default t.TempDir() (Launch requires it)
	Token        string        // dev root token id; default random
	ExtraArgs    []string      // appended to the `server` command line
	Env          []string      // appended to the server's environment
	StartTimeout time.Duration // how long to wait for health 200; default 60s
	// Config, when set, starts a production server (`server -config`)
	// instead of a dev one: the HCL text with {{ADDR}} replaced by the
	// listen address and {{DATA}} by the data dir. Such a server starts
	// sealed, so readiness is any answer from sys/health.
	Config string
	// CACert is a PEM file the harness and CLI trust (servers with TLS).
	CACert      string
	StopTimeout time.Duration // how long SIGTERM may take before SIGKILL; default 30s
}

// Server is one coffer server process, possibly restarted several times on
// the same data dir and port.
type Server struct {
	Addr    string // http://127.0.0.1:<port>
	Token   string // root token
	DataDir string
	Bin     string

	t      testing.TB // nil when started by Launch
	listen string     // 127.0.0.1:<port>
	opts   Options
	out    SyncBuffer // stdout and stderr of every run, in order

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	werr error         // cmd.Wait's result, valid once done is closed
}

// Start starts a dev server for the test, waits until GET /v1/sys/health
// answers 200, and stops it (SIGTERM) when the test and its subtests end.
// If the test failed, the server's output is logged.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Bin == "" {
		opts.Bin = Binary(t)
	}
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	s, err := Launch(opts)
	if s != nil {
		s.t = t
		t.Cleanup(func() {
			s.stopIfRunning()
			if t.Failed() {
				t.Logf("coffer output (%s):\n%s", s.Addr, Tail(s.Output(), 64<<10))
			}
		})
	}
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	return s
}

// Launch is Start without a testing.TB: opts.Bin and opts.DataDir are
// required, and the caller must Stop the server. On error the returned
// Server (if not nil) holds the output of the failed start.
func Launch(opts Options) (*Server, error) {
	if opts.Bin == "" || opts.DataDir == "" {
		return nil, errors.New("harness: Launch needs Options.Bin and Options.DataDir")
	}
	if opts.Token == "" {
		opts.Token = "coffer-test-" + randomHex(12)
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if opts.StopTimeout == 0 {
		opts.StopTimeout = 30 * time.Second
	}
	s := &Server{Token: opts.Token, DataDir: opts.DataDir, Bin: opts.Bin, opts: opts}
	// The port is free when we pick it but may be taken before the server
	// binds it; try a few ports before giving up.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		s.listen = fmt.Sprintf("127.0.0.1:%d", port)
		s.Addr = "http://" + s.listen
		if opts.CACert != "" {
			s.Addr = "https://" + s.listen
		}
		before := len(s.Output())
		if err = s.run(); err == nil || !strings.Contains(s.Output()[before:], "address already in use") {
			break
		}
	}
	return s, err
}

// Restart starts the server again on the same data dir, port and token. A
// server that is still running is stopped first.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.stopIfRunning()
	if err := s.run(); err != nil {
		t.Fatalf("harness: restart: %v", err)
	}
}

// run starts one process and waits until it serves or fails.
func (s *Server) run() error {
	args := []string{"server", "-dev",
		"-dev-root-token-id=" + s.Token,
		"-dev-listen-address=" + s.listen,
		"-data-dir=" + s.DataDir,
	}
	if s.opts.Config != "" {
		path := filepath.Join(filepath.Dir(s.DataDir), "coffer.hcl")
		text := strings.NewReplacer("{{ADDR}}", s.listen, "{{DATA}}", s.DataDir).Replace(s.opts.Config)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			return err
		}
		args = []string{"server", "-config=" + path}
	}
	args = append(args, s.opts.ExtraArgs...)
	cmd := exec.Command(s.Bin, args...)
	cmd.Env = append(CleanEnv(), s.opts.Env...)
	cmd.Stdout = &s.out
	cmd.Stderr = &s.out
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = 5 * time.Second // do not hang on pipes a child kept open
	s.out.WriteString(fmt.Sprintf("=== harness: %s %s\n", s.Bin, strings.Join(args, " ")))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.Bin, err)
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.werr = err
		s.mu.Unlock()
		close(done)
	}()

	hc, err := s.httpClient()
	if err != nil {
		return err
	}
	exited := func() error {
		select {
		case <-done:
			s.mu.Lock()
			defer s.mu.Unlock()
			return fmt.Errorf("coffer exited before it was ready (%v):\n%s", s.werr, Tail(s.Output(), 8<<10))
		default:
			return nil
		}
	}
	err = poll(s.opts.StartTimeout, 50*time.Millisecond, exited, func() error {
		resp, err := hc.Get(s.Addr + "/v1/sys/health")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if s.opts.Config != "" {
			return nil // a sealed or uninitialised server is up too
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /v1/sys/health: %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		s.signalAndWait(syscall.SIGKILL, s.opts.StopTimeout)
		return err
	}
	return nil
}

// Stop sends SIGTERM and waits for the process to exit. It is an error if
// the server does not exit within the stop timeout (it is then killed) or
// exits with a non-zero status; a server started with Start also reports
// that error on its test.
func (s *Server) Stop() error {
	err := s.signalAndWait(syscall.SIGTERM, s.opts.StopTimeout)
	if err != nil && s.t != nil {
		s.t.Errorf("harness: stop: %v\n%s", err, Tail(s.Output(), 8<<10))
	}
	return err
}

// Kill sends SIGKILL (like kill -9) and waits for the process to exit.
func (s *Server) Kill() {
	_ = s.signalAndWait(syscall.SIGKILL, s.opts.StopTimeout)
}

func (s *Server) stopIfRunning() {
	if s.running() {
		_ = s.Stop()
	}
}

func (s *Server) running() bool {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

func (s *Server) signalAndWait(sig syscall.Signal, timeout time.Duration) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return errors.New("server was never started")
	}
	select {
	case <-done:
		return fmt.Errorf("server had already exited: %v", s.exitErr())
	default:
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("server did not exit within %s of %v; killed", timeout, sig)
	}
	if sig == syscall.SIGKILL {
		return nil
	}
	if err := s.exitErr(); err != nil {
		return fmt.Errorf("server exited after %v: %w", sig, err)
	}
	return nil
}

func (s *Server) exitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.werr
}

// Output returns everything the server wrote to stdout and stderr so far,
// over all its runs, each run preceded by a "=== harness:" line.
func (s *Server) Output() string { return s.out.String() }

// Client returns a Vault Go client for this server, authenticated with the
// root token, with retries off so a test sees every error as it happened.
func (s *Server) Client(t testing.TB) *vault.Client {
	t.Helper()
	cfg := vault.DefaultConfig()
	if cfg.Error != nil {
		t.Fatalf("harness: vault config: %v", cfg.Error)
	}
	cfg.Address = s.Addr
	cfg.MaxRetries = 0
	if s.opts.CACert != "" {
		if err := cfg.ConfigureTLS(&vault.TLSConfig{CACert: s.opts.CACert}); err != nil {
			t.Fatalf("harness: vault TLS: %v", err)
		}
	}
	c, err := vault.NewClient(cfg)
	if err != nil {
		t.Fatalf("harness: vault client: %v", err)
	}
	c.SetToken(s.Token)
	c.ClearNamespace()
	return c
}

const cliTimeout = time.Minute

// CLI runs the binary as a client (`coffer <args...>`) with VAULT_ADDR and
// VAULT_TOKEN pointing at this server (other VAULT_* variables removed).
func (s *Server) CLI(t testing.TB, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	return s.CLIAs(t, s.Token, args...)
}

// CLIAs is CLI with another token.
func (s *Server) CLIAs(t testing.TB, token string, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.Bin, args...)
	cmd.Env = append(CleanEnv(), "VAULT_ADDR="+s.Addr, "VAULT_TOKEN="+token)
	if s.opts.CACert != "" {
		cmd.Env = append(cmd.Env, "VAULT_CACERT="+s.opts.CACert)
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		exitCode = exit.ExitCode()
	case ctx.Err() != nil:
		t.Fatalf("harness: coffer %s: no exit within %s (%v)\nstderr: %s", strings.Join(args, " "), cliTimeout, err, e.String())
	default:
		t.Fatalf("harness: coffer %s: %v\nstderr: %s", strings.Join(args, " "), err, e.String())
	}
	return o.String(), e.String(), exitCode
}

// CleanEnv is the test process's environment without VAULT_* variables,
// so a developer's own Vault settings never leak into a scenario.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VAULT_") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("harness: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Tail is the last n bytes of s, marked as cut when they are not all.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

// SyncBuffer is a bytes.Buffer safe for the two copying goroutines of
// exec.Cmd and concurrent readers (a server's output).
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// httpClient trusts CACert when one is given.
func (s *Server) httpClient() (*http.Client, error) {
	hc := &http.Client{Timeout: 2 * time.Second}
	if s.opts.CACert == "" {
		return hc, nil
	}
	pem, err := os.ReadFile(s.opts.CACert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("harness: no certificate in %s", s.opts.CACert)
	}
	hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return hc, nil
}
