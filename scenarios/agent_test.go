package scenarios_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

const kvTemplate = `
template {
  destination = "{{DIR}}/config.env"
  perms = "0640"
  contents = "{{ with secret \"secret/myapp/config\" }}API_KEY={{ .Data.data.api_key }}{{ end }}"
}`

// TestAgentKVPushedWithinASecond: the agent re-renders a KV template
// within a second of `coffer kv put`, with a polling interval of an hour
// (so only the event stream can have told it).
func TestAgentKVPushedWithinASecond(t *testing.T) {
	s := start(t)
	root := s.Client(t)
	putKV(t, root, "myapp/config", map[string]any{"api_key": "first-key-0001"})
	dir := t.TempDir()
	writeToken(t, dir, appToken(t, root, "1h"))
	a := startAgent(t, s, dir, tokenFileConfig(s.Addr, kvTemplate))
	out := filepath.Join(dir, "config.env")
	waitFor(t, out, 20*time.Second, equals("API_KEY=first-key-0001"))
	fi, err := os.Stat(out)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o640), fi.Mode().Perm())
	sink, err := os.ReadFile(filepath.Join(dir, "sink"))
	require.NoError(t, err)
	require.NotEmpty(t, sink)

	for i := 2; i <= 4; i++ {
		key := "rotated-key-000" + string(rune('0'+i))
		_, stderr, code := s.CLI(t, "kv", "put", "secret/myapp/config", "api_key="+key)
		require.Equal(t, 0, code, stderr)
		_, took := waitFor(t, out, time.Second, equals("API_KEY="+key))
		t.Logf("kv put %d: file rewritten %s after the CLI returned", i, took.Round(time.Millisecond))
	}
	log := a.out.String()
	require.Contains(t, log, "event stream connected")
	for _, secret := range []string{"first-key-0001", "rotated-key", string(sink)} {
		require.NotContains(t, log, secret, "a secret reached the agent's log")
	}
}

// TestAgentRecoversFromServerKill: SIGKILL the server, start it again; the
// agent reconnects by itself (resuming its event stream from the last
// cursor) and keeps rendering pushed changes.
func TestAgentRecoversFromServerKill(t *testing.T) {
	s := start(t)
	root := s.Client(t)
	putKV(t, root, "myapp/config", map[string]any{"api_key": "before-kill"})
	dir := t.TempDir()
	writeToken(t, dir, appToken(t, root, "1h"))
	a := startAgent(t, s, dir, tokenFileConfig(s.Addr, kvTemplate))
	out := filepath.Join(dir, "config.env")
	waitFor(t, out, 20*time.Second, equals("API_KEY=before-kill"))

	s.Kill()
	harness.Eventually(t, 20*time.Second, 20*time.Millisecond, func() error {
		if !strings.Contains(a.out.String(), "event stream lost") {
			return os.ErrNotExist
		}
		return nil
	})
	s.Restart(t)
	root = s.Client(t)
	harness.Eventually(t, 30*time.Second, 20*time.Millisecond, func() error {
		if strings.Count(a.out.String(), "event stream connected") < 2 {
			return os.ErrNotExist
		}
		return nil
	})
	require.Contains(t, a.out.String(), "resumed=true", "the stream resumed from its cursor")
	putKV(t, root, "myapp/config", map[string]any{"api_key": "after-restart"})
	_, took := waitFor(t, out, 2*time.Second, equals("API_KEY=after-restart"))
	t.Logf("after the restart, a change reached the file in %s", took.Round(time.Millisecond))
}

// TestAgentLogsInAgainAfterRevocation: the token_file method re-reads its
// file; when the agent's token is revoked the agent logs in again with
// the file's new token, writes it to the sink and keeps rendering.
func TestAgentLogsInAgainAfterRevocation(t *testing.T) {
	s := start(t)
	root := s.Client(t)
	putKV(t, root, "myapp/config", map[string]any{"api_key": "k1"})
	dir := t.TempDir()
	first := appToken(t, root, "1h")
	writeToken(t, dir, first)
	a := startAgent(t, s, dir, tokenFileConfig(s.Addr, kvTemplate))
	out := filepath.Join(dir, "config.env")
	waitFor(t, out, 20*time.Second, equals("API_KEY=k1"))
	sink := filepath.Join(dir, "sink")
	waitFor(t, sink, 5*time.Second, equals(first))

	second := appToken(t, root, "1h")
	writeToken(t, dir, second)
	require.NoError(t, root.Auth().Token().RevokeOrphan(first))
	_, took := waitFor(t, sink, 10*time.Second, equals(second))
	t.Logf("re-login %s after the revocation", took.Round(time.Millisecond))
	putKV(t, root, "myapp/config", map[string]any{"api_key": "k2"})
	waitFor(t, out, 2*time.Second, equals("API_KEY=k2"))
	require.Contains(t, a.out.String(), "token was revoked")
	require.NotContains(t, a.out.String(), second)
}

// TestAgentExitAfterAuth is the init container: log in, render, exit 0,
// remove the pid file.
func TestAgentExitAfterAuth(t *testing.T) {
	s := start(t)
	root := s.Client(t)
	putKV(t, root, "myapp/config", map[string]any{"api_key": "init"})
	dir := t.TempDir()
	writeToken(t, dir, appToken(t, root, "1h"))
	a := startAgent(t, s, dir, tokenFileConfig(s.Addr, kvTemplate), "--exit-after-auth")
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		t.Fatal("agent -exit-after-auth did not exit")
	}
	require.Equal(t, 0, a.cmd.ProcessState.ExitCode(), a.out.String())
	b, err := os.ReadFile(filepath.Join(dir, "config.env"))
	require.NoError(t, err)
	require.Equal(t, "API_KEY=init", string(b))
	_, err = os.Stat(filepath.Join(dir, "agent.pid"))
	require.True(t, os.IsNotExist(err), "pid file left behind")

	// A template that cannot render makes the init container fail.
	dir2 := t.TempDir()
	writeToken(t, dir2, appToken(t, root, "1h"))
	badConfig := tokenFileConfig(s.Addr, `
template {
  destination = "{{DIR}}/x"
  contents = "{{ with secret \"secret/data/other-team/x\" }}{{ .Data }}{{ end }}"
}`)
	badConfig = strings.Replace(badConfig, "vault {", "vault {\n  retry { num_retries = 1 }\n", 1)
	bad := startAgent(t, s, dir2, badConfig, "--exit-after-auth")
	select {
	case <-bad.done:
	case <-time.After(30 * time.Second):
		t.Fatal("agent with a failing template did not exit")
	}
	require.NotEqual(t, 0, bad.cmd.ProcessState.ExitCode())
	require.Contains(t, bad.out.String(), "template failed", "it failed on the template, not on something else")
}

// TestSlimAgentBinaryPushedKV: the agent-only binary (what sidecars run)
// is the same agent: it renders, follows the event stream and re-renders
// on a `kv put`.
func TestSlimAgentBinaryPushedKV(t *testing.T) {
	s := start(t)
	root := s.Client(t)
	putKV(t, root, "myapp/config", map[string]any{"api_key": "slim-key-0001"})
	dir := t.TempDir()
	writeToken(t, dir, appToken(t, root, "1h"))
	a := startAgentBin(t, harness.AgentBinary(t), dir, writeAgentConfig(t, dir, tokenFileConfig(s.Addr, kvTemplate)))
	out := filepath.Join(dir, "config.env")
	waitFor(t, out, 20*time.Second, equals("API_KEY=slim-key-0001"))
	_, stderr, code := s.CLI(t, "kv", "put", "secret/myapp/config", "api_key=slim-key-0002")
	require.Equal(t, 0, code, stderr)
	waitFor(t, out, 5*time.Second, equals("API_KEY=slim-key-0002"))
	require.Contains(t, a.out.String(), "event stream connected")
	require.Equal(t, harness.AgentBinary(t), a.cmd.Path)
}
