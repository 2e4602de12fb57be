package scenarios_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// agentProc is one `coffer agent` process.
type agentProc struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	dir  string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// startAgent writes config (with {{DIR}} replaced by the agent's own
// temporary directory) and runs `coffer agent -config`; it is stopped with
// SIGTERM when the test ends.
func startAgent(t testing.TB, s *harness.Server, dir, config string, extra ...string) *agentProc {
	t.Helper()
	return startAgentFile(t, s, dir, writeAgentConfig(t, dir, config), extra...)
}

// writeAgentConfig writes config (with {{DIR}} replaced by dir) as
// dir/agent.hcl and returns its path.
func writeAgentConfig(t testing.TB, dir, config string) string {
	t.Helper()
	path := filepath.Join(dir, "agent.hcl")
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(config, "{{DIR}}", dir)), 0o600))
	return path
}

// startAgentFile runs the agent on an existing configuration file, with
// the binary under test or $COFFER_AGENT_BIN.
func startAgentFile(t testing.TB, s *harness.Server, dir, path string, extra ...string) *agentProc {
	t.Helper()
	bin := s.Bin
	if slim := os.Getenv("COFFER_AGENT_BIN"); slim != "" {
		// A binary that is only the agent command (for footprint figures).
		bin = slim
	}
	return startAgentBin(t, bin, dir, path, extra...)
}

// startAgentBin runs `BIN agent --config=path` (the agent-only binary
// takes the same arguments).
func startAgentBin(t testing.TB, bin, dir, path string, extra ...string) *agentProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"agent", "--config=" + path}, extra...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	a := &agentProc{cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{}), dir: dir}
	cmd.Stdout, cmd.Stderr = a.out, a.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait(); close(a.done) }()
	t.Cleanup(func() {
		a.stop()
		if t.Failed() {
			t.Logf("agent output:\n%s", a.out.String())
		}
	})
	return a
}

func (a *agentProc) stop() {
	select {
	case <-a.done:
		return
	default:
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(10 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.done
	}
}

// waitFor polls path until check accepts its content; it returns how long
// that took.
func waitFor(t *testing.T, path string, within time.Duration, check func(string) bool) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	var last string
	for time.Since(start) < within {
		if b, err := os.ReadFile(path); err == nil {
			last = string(b)
			if check(last) {
				return last, time.Since(start)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s: condition not met within %s; last content %q", path, within, last)
	return "", 0
}

func equals(want string) func(string) bool { return func(s string) bool { return s == want } }

// tutorialPolicy is the seed tutorial's myapp-policy plus subscribeGrant.
const tutorialPolicy = seedPolicy + subscribeGrant

// seedPolicy is the seed tutorial's myapp-policy, unchanged.
const seedPolicy = `
path "database/creds/myapp-readwrite" { capabilities = ["read"] }
path "transit/encrypt/user-pii" { capabilities = ["update"] }
path "transit/decrypt/user-pii" { capabilities = ["update"] }
path "secret/data/myapp/*" { capabilities = ["read", "list"] }
path "secret/data/other-team/*" { capabilities = ["deny"] }
`

// subscribeGrant is empty: the server lets a token follow the events of
// the paths it can read and of its own leases and token without a grant
// on sys/events/subscribe/* (issue 14), so the tutorial's policy alone
// gives push.
const subscribeGrant = ""

// appToken writes the policy and creates a token for the application.
func appToken(t *testing.T, c *vault.Client, ttl string) string {
	t.Helper()
	require.NoError(t, c.Sys().PutPolicy("myapp-policy", tutorialPolicy))
	sec, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"myapp-policy"}, TTL: ttl})
	require.NoError(t, err)
	return sec.Auth.ClientToken
}

// tokenFileConfig is an agent configuration with the token_file method.
func tokenFileConfig(addr, templates string) string {
	return fmt.Sprintf(`
vault { address = %q }
pid_file = "{{DIR}}/agent.pid"
auto_auth {
  method "token_file" { config = { token_file_path = "{{DIR}}/token" } }
  sink "file" { config = { path = "{{DIR}}/sink", mode = 0600 } }
}
template_config { static_secret_render_interval = "1h" }
%s`, addr, templates)
}

func writeToken(t *testing.T, dir, tok string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "token"), []byte(tok+"\n"), 0o600))
}

func putKV(t *testing.T, c *vault.Client, path string, data map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.KVv2("secret").Put(ctx, path, data)
	require.NoError(t, err)
}
