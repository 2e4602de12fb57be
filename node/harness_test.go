package node

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/audit"
	"github.com/cofferhq/coffer/engines/sys"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
)

// startSealedNode runs an in-process production-mode node (sealed until
// initialised and unsealed) with the given seal.
func startSealedNode(t testing.TB, dir string, seal sys.SealConfig) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := Start(ctx, Config{
		DataDir: dir, ListenAddr: "127.0.0.1:0", Seal: seal,
		// The lifecycle tests enable an audit device through the API.
		Audit: audit.Config{AllowAPI: true},
		Log:   slog.New(slog.NewTextHandler(testkit.LogWriter(), nil)),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

// startNode runs an in-process dev node on a random loopback port with its
// data in dir. The same test bodies run against the spawned binary in
// scenarios/.
func startNode(t testing.TB, dir, rootToken string, tweak ...func(*Config)) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := Config{
		DataDir: dir, ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: rootToken,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, f := range tweak {
		f(&cfg)
	}
	n, err := Start(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

// clientFor is HashiCorp's client for the node with token.
func clientFor(t testing.TB, n *Node, token string) *vault.Client {
	t.Helper()
	return testkit.VaultClient(t, n.Addr, token)
}

// rawRequest sends a request the Vault client would not build (bad input).
func rawRequest(t testing.TB, n *Node, method, path, token, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, n.Addr+path, r)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// readAudit decodes every audit record in the node's ledger.
func readAudit(t testing.TB, n *Node) []auditevent.Record {
	t.Helper()
	var out []auditevent.Record
	for _, rec := range readLedger(t, n) {
		if rec.Type != auditevent.EventRequest && rec.Type != auditevent.EventResponse {
			continue
		}
		var ar auditevent.Record
		require.NoError(t, json.Unmarshal(rec.Data, &ar))
		out = append(out, ar)
	}
	return out
}

// readLedger decodes every record stored so far.
func readLedger(t testing.TB, n *Node) []ledger.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	last, err := n.ledger.LastSeq(ctx)
	require.NoError(t, err)
	var out []ledger.Record
	stop := errors.New("stop")
	err = n.ledger.Consume(ctx, 1, func(m ledger.Message) error {
		recs, err := n.ledger.Decode(m)
		if err != nil {
			return err
		}
		out = append(out, recs...)
		if m.Seq >= last {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	return out
}

var errNotYet = errors.New("not yet")

func removeProjections(dir string) error { return os.RemoveAll(filepath.Join(dir, "projections")) }
