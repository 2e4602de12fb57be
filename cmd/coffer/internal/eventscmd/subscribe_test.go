package eventscmd

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// run executes a command line against a fresh root.
func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut syncBuffer
	root := &cobra.Command{Use: "coffer", SilenceUsage: true, SilenceErrors: true}
	Register(root, &out, &errOut)
	ledger := &cobra.Command{Use: "ledger"}
	root.AddCommand(ledger)
	AddLedgerCommands(ledger, &out, &errOut)
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func cloud(cursor, typ, path string) string {
	return fmt.Sprintf(`{"id":"x","source":"coffer://t","specversion":"1.0","type":%q,"datacontenttype":"application/json","time":"2024-05-01T10:00:00Z","data":{"event":{"id":"x","metadata":{"path":%q,"data_path":%q,"current_version":"1"}},"event_type":%q,"plugin_info":{"mount_path":"secret/","plugin":"kv"},"ledger_index":1,"cursor":%q,"actor":"acc-1"}}`,
		typ, path, path, typ, cursor)
}

func TestSubscribeReconnectsWithLastEventID(t *testing.T) {
	var mu sync.Mutex
	var lastIDs, tokens []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		tokens = append(tokens, r.Header.Get("X-Vault-Token"))
		n := len(lastIDs)
		mu.Unlock()
		assert.Equal(t, "/v1/sys/events/subscribe/kv-v2/*", r.URL.Path)
		assert.Equal(t, "text/event-stream", r.Header.Get("Accept"))
		w.Header().Set("Content-Type", "text/event-stream")
		switch n {
		case 1:
			assert.Equal(t, "7", r.URL.Query().Get("since"))
			fmt.Fprintf(w, ": subscribed\n\nid: 7.0\nevent: kv-v2/data-write\ndata: %s\n\n", cloud("7.0", "kv-v2/data-write", "secret/data/a"))
			fmt.Fprint(w, "id: 9\nevent: error\ndata: {\"error\":\"events: server shutting down\",\"resume_after\":\"9\"}\n\n")
		case 2:
			assert.Empty(t, r.URL.Query().Get("since"), "a reconnect resumes by cursor, not by since")
			fmt.Fprintf(w, "id: 10.1\nevent: kv-v2/data-patch\ndata: %s\n\n", cloud("10.1", "kv-v2/data-patch", "secret/data/b"))
			// then the connection drops without a final message
		case 3:
			fmt.Fprintf(w, "id: 12\n\nid: 13.0\nevent: kv-v2/delete\ndata: %s\n\n", cloud("13.0", "kv-v2/delete", "secret/delete/c"))
		default:
			t.Errorf("unexpected connection %d", n)
		}
	}))
	defer srv.Close()
	t.Setenv("COFFER_TOKEN", "tok-1")
	out, errOut, err := run(t, "events", "subscribe", "--address", srv.URL, "--since", "7", "--limit", "3", "kv-v2/*")
	require.NoError(t, err, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.True(t, strings.HasPrefix(lines[0], "7.0  2024-05-01T10:00:00Z  kv-v2/data-write  secret/data/a"), lines[0])
	assert.Contains(t, lines[0], "current_version=1")
	assert.Contains(t, lines[0], "actor=acc-1")
	assert.Contains(t, lines[1], "kv-v2/data-patch")
	assert.Contains(t, lines[2], "secret/delete/c")
	assert.NotContains(t, lines[2], "data_path=", "a data path equal to the path is not repeated")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"", "9", "10.1"}, lastIDs)
	assert.Equal(t, []string{"tok-1", "tok-1", "tok-1"}, tokens)
	assert.Contains(t, errOut, "reconnecting after 9")
}

func TestSubscribeStopsOnRevokedTokenAndRefusal(t *testing.T) {
	revoked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "id: 3\nevent: error\ndata: {\"error\":\"events: token revoked or expired\",\"resume_after\":\"3\"}\n\n")
	}))
	defer revoked.Close()
	_, errOut, err := run(t, "events", "subscribe", "--address", revoked.URL, "*")
	var ee *ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.ExitCode())
	assert.Contains(t, errOut, "token revoked or expired")

	calls := 0
	refused := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"errors":["permission denied"]}`)
	}))
	defer refused.Close()
	_, errOut, err = run(t, "events", "subscribe", "--address", refused.URL, "*")
	require.ErrorAs(t, err, &ee)
	assert.Contains(t, errOut, "Code: 403")
	assert.Contains(t, errOut, "permission denied")
	assert.Equal(t, 1, calls, "a refusal is not retried")
}

func TestSubscribeJSONFormat(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "id: 7.0\nevent: kv-v2/data-write\ndata: %s\n\n", cloud("7.0", "kv-v2/data-write", "secret/data/a"))
	}))
	defer srv.Close()
	out, _, err := run(t, "events", "subscribe", "--address", srv.URL, "--format", "json", "--limit", "1", "kv-v2/data-write")
	require.NoError(t, err)
	assert.Equal(t, cloud("7.0", "kv-v2/data-write", "secret/data/a")+"\n", out)
}
