package harness

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// When COFFER_HARNESS_FAKE=1 the test binary plays a tiny fake coffer, so
// the harness's start, readiness, stop, kill and restart logic is tested
// without the real server.
func TestMain(m *testing.M) {
	if os.Getenv("COFFER_HARNESS_FAKE") == "1" {
		os.Exit(fakeCoffer(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeCoffer answers 503 on /v1/sys/health for its first few polls, then
// 200; it records each start in <data-dir>/starts. As a client it prints
// VAULT_ADDR and exits 3.
func fakeCoffer(args []string) int {
	if len(args) == 0 || args[0] != "server" {
		fmt.Println(os.Getenv("VAULT_ADDR"))
		fmt.Fprintln(os.Stderr, "client", strings.Join(args, " "))
		return 3
	}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.Bool("dev", false, "")
	token := fs.String("dev-root-token-id", "", "")
	listen := fs.String("dev-listen-address", "", "")
	dataDir := fs.String("data-dir", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	f, err := os.OpenFile(filepath.Join(*dataDir, "starts"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return 1
	}
	fmt.Fprintln(f, "start")
	f.Close()
	var polls atomic.Int32
	http.HandleFunc("/v1/sys/health", func(w http.ResponseWriter, r *http.Request) {
		if polls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	errc := make(chan error, 1)
	go func() { errc <- http.ListenAndServe(*listen, nil) }()
	fmt.Printf("Api Address: http://%s\nRoot Token: %s\n", *listen, *token)
	fmt.Fprintln(os.Stderr, "fake: serving")
	select {
	case <-sig:
		fmt.Fprintln(os.Stderr, "fake: shutting down")
		return 0
	case err := <-errc:
		fmt.Fprintln(os.Stderr, "fake:", err)
		return 1
	}
}

func fakeOptions(t *testing.T) Options {
	t.Setenv("COFFER_HARNESS_FAKE", "1")
	return Options{Bin: os.Args[0], Token: "tok"}
}

func TestStartStopRestartKill(t *testing.T) {
	s := Start(t, fakeOptions(t))
	if !strings.Contains(s.Output(), "Root Token: tok") || !strings.Contains(s.Output(), "Api Address: "+s.Addr) {
		t.Fatalf("banner missing from output:\n%s", s.Output())
	}
	addr := s.Addr
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Output(), "fake: shutting down") {
		t.Fatalf("SIGTERM not delivered:\n%s", s.Output())
	}
	s.Restart(t)
	if s.Addr != addr {
		t.Fatalf("restart moved the server from %s to %s", addr, s.Addr)
	}
	s.Kill()
	if _, err := http.Get(s.Addr + "/v1/sys/health"); err == nil {
		t.Fatal("server still answers after Kill")
	}
	s.Restart(t) // running at the end: Cleanup stops it
	starts, err := os.ReadFile(filepath.Join(s.DataDir, "starts"))
	if err != nil || strings.Count(string(starts), "start") != 3 {
		t.Fatalf("want 3 starts on the same data dir, got %q (%v)", starts, err)
	}
}

func TestCLIEnvironment(t *testing.T) {
	s := Start(t, fakeOptions(t))
	t.Setenv("VAULT_ADDR", "http://elsewhere:1")
	stdout, stderr, code := s.CLI(t, "kv", "get", "secret/x")
	if code != 3 || strings.TrimSpace(stdout) != s.Addr || !strings.Contains(stderr, "client kv get secret/x") {
		t.Fatalf("CLI: code %d stdout %q stderr %q", code, stdout, stderr)
	}
}

func TestLaunchReportsEarlyExit(t *testing.T) {
	t.Setenv("COFFER_HARNESS_FAKE", "1")
	start := time.Now()
	// The fake exits at once when its data dir does not exist.
	_, err := Launch(Options{Bin: os.Args[0], DataDir: filepath.Join(t.TempDir(), "missing")})
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") {
		t.Fatalf("want early-exit error, got %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("early exit took %s to notice", time.Since(start))
	}
}

func TestPoll(t *testing.T) {
	n := 0
	Eventually(t, 5*time.Second, time.Millisecond, func() error {
		if n++; n < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	err := poll(20*time.Millisecond, time.Millisecond, nil, func() error { return errors.New("never") })
	if err == nil || !strings.Contains(err.Error(), "never") {
		t.Fatalf("want timeout error, got %v", err)
	}
}

func TestScanFindsEveryEncoding(t *testing.T) {
	secret := make([]byte, 24)
	_, _ = rand.Read(secret)
	needles := Encodings(secret)
	for pad := 0; pad < 6; pad++ {
		blob := append(append(bytes.Repeat([]byte{0xAB}, pad), secret...), 0xCD, 0xEF)
		for name, content := range map[string][]byte{
			"raw":    blob,
			"b64":    []byte(base64.StdEncoding.EncodeToString(blob)),
			"b64url": []byte(base64.URLEncoding.EncodeToString(blob)),
			"hex":    []byte(fmt.Sprintf("%x", blob)),
		} {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "a", "b", "f"), content, 0o600); err != nil {
				t.Fatal(err)
			}
			if hits := ScanForBytes(t, dir, needles...); len(hits) == 0 {
				t.Errorf("pad %d, %s: secret not found", pad, name)
			}
		}
	}
	if hits := ScanForBytes(t, t.TempDir(), needles...); len(hits) != 0 {
		t.Errorf("empty dir: %v", hits)
	}
}
