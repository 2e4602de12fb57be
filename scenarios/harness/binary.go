package harness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var build struct {
	once sync.Once
	path string
	dir  string // temporary build directory, removed by Main
	err  error

	agentOnce sync.Once
	agentPath string
	agentErr  error
}

// Binary returns the path of the coffer binary under test: $COFFER_BIN when
// it is set, otherwise ./cmd/coffer built once per test process into a
// temporary directory (removed by Main, if the package's TestMain calls it).
func Binary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() { build.path, build.err = buildBinary() })
	if build.err != nil {
		t.Fatalf("harness: %v", build.err)
	}
	return build.path
}

// AgentBinary returns the path of the agent-only binary
// (./cmd/coffer/coffer-agent): $COFFER_AGENT_BIN when it is set, otherwise
// built once per test process beside the coffer binary.
func AgentBinary(t testing.TB) string {
	t.Helper()
	Binary(t)
	build.agentOnce.Do(func() {
		if bin := os.Getenv("COFFER_AGENT_BIN"); bin != "" {
			build.agentPath, build.agentErr = filepath.Abs(bin)
			return
		}
		root, err := ModuleRoot()
		if err != nil {
			build.agentErr = err
			return
		}
		if build.dir == "" { // $COFFER_BIN: not its directory, a temporary one
			if build.dir, err = os.MkdirTemp("", "coffer-scenarios-bin-"); err != nil {
				build.agentErr = err
				return
			}
		}
		out := filepath.Join(build.dir, "coffer-agent")
		cmd := exec.Command(goTool(), "build", "-o", out, "./cmd/coffer/coffer-agent")
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			build.agentErr = fmt.Errorf("go build ./cmd/coffer/coffer-agent: %w\n%s", err, msg)
			return
		}
		build.agentPath = out
	})
	if build.agentErr != nil {
		t.Fatalf("harness: %v", build.agentErr)
	}
	return build.agentPath
}

func buildBinary() (string, error) {
	if bin := os.Getenv("COFFER_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("COFFER_BIN: %w", err)
		}
		return abs, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "coffer-scenarios-bin-")
	if err != nil {
		return "", err
	}
	build.dir = dir
	out := filepath.Join(dir, "coffer")
	cmd := exec.Command(goTool(), "build", "-o", out, "./cmd/coffer")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/coffer: %w\n%s", err, msg)
	}
	return out, nil
}

// ModuleRoot walks up from the working directory to the directory holding
// go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("harness: no go.mod above the working directory")
		}
		dir = parent
	}
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// Main runs the tests and then removes the binary Binary built. Use it as
//
//	func TestMain(m *testing.M) { harness.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
	}
	os.Exit(code)
}
