package eventscmd

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/node"
)

// devNode starts a dev node in dir (tweaked) with root token
// "root-token", closed at cleanup, and a Vault client for it.
func devNode(t *testing.T, ctx context.Context, dir string, tweak func(*node.Config)) (*node.Node, *vault.Client) {
	t.Helper()
	ncfg := node.Config{
		DataDir: dir, ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: "root-token",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if tweak != nil {
		tweak(&ncfg)
	}
	n, err := node.Start(ctx, ncfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	cfg := vault.DefaultConfig()
	cfg.Address = n.Addr
	c, err := vault.NewClient(cfg)
	require.NoError(t, err)
	c.SetToken("root-token")
	return n, c
}

// The commands against a real in-process node.
func TestCommandsAgainstNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, c := devNode(t, ctx, t.TempDir(), nil)
	t.Setenv("COFFER_TOKEN", "root-token")
	t.Setenv("VAULT_TOKEN", "")
	kv := c.KVv2("secret")

	start := time.Now().UTC().Format(time.RFC3339Nano)
	_, err := kv.Put(ctx, "app/db", map[string]any{"password": "first-pw"})
	require.NoError(t, err)
	require.NoError(t, kv.PutMetadata(ctx, "app/db", vault.KVMetadataPutInput{CustomMetadata: map[string]any{"owner": "team-a"}}))
	mid := testkit.Mark(t).Format(time.RFC3339Nano) // the second put is stamped strictly later
	_, err = kv.Put(ctx, "app/db", map[string]any{"password": "second-pw"})
	require.NoError(t, err)

	out, errOut, err := run(t, "events", "subscribe", "--address", n.Addr, "--since", start, "--limit", "3", "kv-v2/*")
	require.NoError(t, err, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	assert.Contains(t, lines[0], "kv-v2/data-write  secret/data/app/db")
	assert.Contains(t, lines[1], "kv-v2/metadata-write  secret/metadata/app/db")
	assert.Contains(t, lines[2], "current_version=2")
	assert.NotContains(t, out, "-pw")

	out, errOut, err = run(t, "ledger", "replay", "--address", n.Addr, "--since", start, "--type", "kv-v2/*", "--format", "json")
	require.NoError(t, err, errOut)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	var entry struct {
		Type string `json:"type"`
		Path string `json:"path"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[2]), &entry))
	assert.Equal(t, "kv-v2/data-write", entry.Type)
	assert.NotContains(t, out, "-pw")

	out, errOut, err = run(t, "ledger", "replay", "--address", n.Addr, "--path", "secret/data/app/db", "--type", "audit.request")
	require.NoError(t, err, errOut)
	assert.Contains(t, out, "CURSOR")
	assert.Contains(t, out, "audit.request")
	assert.Contains(t, out, "secret/data/app/db")

	out, errOut, err = run(t, "ledger", "state-at", "--address", n.Addr, "--at", mid, "secret/data/app/db")
	require.NoError(t, err, errOut)
	assert.Contains(t, out, "current_version")
	assert.Regexp(t, `current_version\s+1\n`, out)
	assert.Contains(t, out, `{"owner":"team-a"}`)

	_, errOut, err = run(t, "ledger", "state-at", "--address", n.Addr, "--at", mid, "secret/data/nope")
	var ee *ExitError
	require.ErrorAs(t, err, &ee)
	assert.Contains(t, errOut, "Code: 404")
}
