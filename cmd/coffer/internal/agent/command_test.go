package agent

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

func TestRunRefusesAnEmptyConfiguration(t *testing.T) {
	err := Run(context.Background(), &config.Config{Vault: config.Vault{Address: "http://127.0.0.1:1"}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if !errors.Is(err, ErrNothingToDo) {
		t.Fatalf("want ErrNothingToDo, got %v", err)
	}
}

func TestPidFileLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.pid")
	remove, err := writePidFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("pid file %q (%v)", b, err)
	}
	remove()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("pid file not removed")
	}
}

func TestCommandReportsConfigErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.hcl")
	if err := os.WriteFile(path, []byte("template {\n  destination = \"/x\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := New(io.Discard, &stderr)
	cmd.SetArgs([]string{"--config=" + path})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	var exit interface{ ExitCode() int }
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("want exit 1, got %v", err)
	}
	if !strings.Contains(stderr.String(), "agent.hcl:1:10: template needs source or contents") {
		t.Fatalf("stderr: %s", stderr.String())
	}
	for _, lvl := range []string{"trace", "debug", "info", "warn", "error"} {
		if _, err := parseLevel(lvl); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := parseLevel("loud"); err == nil {
		t.Fatal("accepted a bad level")
	}
}
