package node

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/events"
	"github.com/cofferhq/coffer/internal/testkit"
)

// sseMsg is one Server-Sent Events message. An id-only message moves the
// client's cursor without an event.
type sseMsg struct {
	id, event, data string
}

func (m sseMsg) cloud(t testing.TB) events.Event {
	t.Helper()
	var ev events.Event
	require.NoError(t, json.Unmarshal([]byte(m.data), &ev), m.data)
	return ev
}

// sseStream reads a subscription in the background.
type sseStream struct {
	resp *http.Response
	msgs chan sseMsg
}

// openSSE subscribes to typ with Accept: text/event-stream. lastEventID,
// when set, is sent as Last-Event-ID.
func openSSE(t testing.TB, n *Node, token, typ string, q url.Values, lastEventID string) *sseStream {
	t.Helper()
	u := n.Addr + "/v1/sys/events/subscribe/" + typ
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	req.Header.Set("X-Vault-Token", token)
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	s := &sseStream{resp: resp, msgs: make(chan sseMsg, 1024)}
	go func() {
		defer close(s.msgs)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var cur sseMsg
		seen := false
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if seen {
					s.msgs <- cur
				}
				cur, seen = sseMsg{}, false
			case strings.HasPrefix(line, ":"):
			case strings.HasPrefix(line, "id: "):
				cur.id, seen = strings.TrimPrefix(line, "id: "), true
			case strings.HasPrefix(line, "event: "):
				cur.event, seen = strings.TrimPrefix(line, "event: "), true
			case strings.HasPrefix(line, "data: "):
				cur.data, seen = strings.TrimPrefix(line, "data: "), true
			}
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *sseStream) close() { _ = s.resp.Body.Close() }

// next returns the next message, id-only ones included.
func (s *sseStream) next(t testing.TB, timeout time.Duration) (sseMsg, bool) {
	t.Helper()
	select {
	case m, ok := <-s.msgs:
		return m, ok
	case <-time.After(timeout):
		t.Fatalf("no SSE message within %s", timeout)
		return sseMsg{}, false
	}
}

// nextEvent skips id-only messages.
func (s *sseStream) nextEvent(t testing.TB) sseMsg {
	t.Helper()
	for {
		m, ok := s.next(t, 15*time.Second)
		require.True(t, ok, "stream ended")
		if m.event != "" {
			return m
		}
	}
}

// ready waits for the first message of a live-only stream: the server
// sends the current cursor as soon as the subscription is registered.
func (s *sseStream) ready(t testing.TB) string {
	t.Helper()
	m, ok := s.next(t, 15*time.Second)
	require.True(t, ok)
	require.Empty(t, m.event, "a live stream starts with its cursor")
	return m.id
}

// noEventWithin asserts nothing but id updates arrive for d.
func (s *sseStream) noEventWithin(t testing.TB, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				return
			}
			require.Empty(t, m.event, "unexpected event %s %s", m.event, m.data)
		case <-deadline:
			return
		}
	}
}

// putIndexed writes a KV v2 secret through HTTP and returns the ledger
// index the node reported.
func putIndexed(t testing.TB, n *Node, token, path string, data map[string]any) uint64 {
	t.Helper()
	body, err := json.Marshal(map[string]any{"data": data})
	require.NoError(t, err)
	resp, text := rawRequest(t, n, http.MethodPost, "/v1/secret/data/"+path, token, string(body))
	require.Equal(t, http.StatusOK, resp.StatusCode, text)
	idx, err := strconv.ParseUint(resp.Header.Get("X-Vault-Index"), 10, 64)
	require.NoError(t, err)
	return idx
}

func TestEventsSSEKVLifecycleWithoutValues(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	c := clientFor(t, n, "root-token")
	ctx := context.Background()
	s := openSSE(t, n, "root-token", "kv-v2/*", nil, "")
	s.ready(t)
	kv := c.KVv2("secret")
	const value = "s3cr3t-value-never-published"

	_, err := kv.Put(ctx, "app/db", map[string]any{"password": value})
	require.NoError(t, err)
	_, err = kv.Patch(ctx, "app/db", map[string]any{"user": value})
	require.NoError(t, err)
	require.NoError(t, kv.Delete(ctx, "app/db"))
	require.NoError(t, kv.Undelete(ctx, "app/db", []int{2}))
	require.NoError(t, kv.DeleteVersions(ctx, "app/db", []int{1}))
	require.NoError(t, kv.Destroy(ctx, "app/db", []int{1}))
	require.NoError(t, kv.PutMetadata(ctx, "app/db", vault.KVMetadataPutInput{CustomMetadata: map[string]any{"owner": "team-a"}}))
	require.NoError(t, kv.DeleteMetadata(ctx, "app/db"))

	want := []struct{ typ, path string }{
		{"kv-v2/data-write", "secret/data/app/db"},
		{"kv-v2/data-patch", "secret/data/app/db"},
		{"kv-v2/data-delete", "secret/data/app/db"},
		{"kv-v2/undelete", "secret/undelete/app/db"},
		{"kv-v2/delete", "secret/delete/app/db"},
		{"kv-v2/destroy", "secret/destroy/app/db"},
		{"kv-v2/metadata-write", "secret/metadata/app/db"},
		{"kv-v2/metadata-delete", "secret/metadata/app/db"},
	}
	var last events.Cursor
	for i, w := range want {
		m := s.nextEvent(t)
		assert.NotContains(t, m.data, value)
		ev := m.cloud(t)
		assert.Equal(t, w.typ, m.event, "event %d", i)
		assert.Equal(t, w.typ, ev.Type)
		assert.Equal(t, w.path, ev.Data.Event.Metadata["path"])
		assert.Equal(t, "secret/data/app/db", ev.Data.Event.Metadata["data_path"])
		assert.Equal(t, "secret/", ev.Data.PluginInfo.MountPath)
		assert.Equal(t, "1.0", ev.SpecVersion)
		assert.True(t, strings.HasPrefix(ev.Source, "coffer://"))
		assert.Equal(t, m.id, ev.Data.Cursor)
		assert.NotEmpty(t, ev.Data.Actor, "the root token's accessor")
		cur, err := events.ParseCursor(m.id)
		require.NoError(t, err)
		assert.Equal(t, cur.Seq, ev.Data.LedgerIndex)
		assert.True(t, last.Before(cur), "in ledger order")
		last = cur
		if i == 0 {
			assert.Equal(t, "1", ev.Data.Event.Metadata["current_version"])
		}
	}
}

func TestEventsResumeWithLastEventID(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	s := openSSE(t, n, "root-token", "kv-v2/data-write", nil, "")
	s.ready(t)
	putIndexed(t, n, "root-token", "r/1", map[string]any{"v": "1"})
	first := s.nextEvent(t)
	s.close()

	for i := 2; i <= 4; i++ {
		putIndexed(t, n, "root-token", fmt.Sprintf("r/%d", i), map[string]any{"v": i})
	}
	resumed := openSSE(t, n, "root-token", "kv-v2/data-write", nil, first.id)
	for i := 2; i <= 4; i++ {
		ev := resumed.nextEvent(t).cloud(t)
		assert.Equal(t, fmt.Sprintf("secret/data/r/%d", i), ev.Data.Event.Metadata["path"], "exactly the missed events, in order")
	}
	putIndexed(t, n, "root-token", "r/5", map[string]any{"v": "5"})
	ev := resumed.nextEvent(t).cloud(t)
	assert.Equal(t, "secret/data/r/5", ev.Data.Event.Metadata["path"], "then live, without a gap or a repeat")
}

func TestEventsResumeAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir, "root-token")
	s := openSSE(t, n, "root-token", "kv-v2/*", nil, "")
	s.ready(t)
	putIndexed(t, n, "root-token", "x/1", map[string]any{"v": "1"})
	seen := s.nextEvent(t)
	putIndexed(t, n, "root-token", "x/2", map[string]any{"v": "2"})
	putIndexed(t, n, "root-token", "x/3", map[string]any{"v": "3"})
	require.NoError(t, n.Close())
	// The stream was told where to resume when the node shut down.
	var final sseMsg
	for m := range s.msgs {
		if m.event == "error" {
			final = m
		}
	}
	require.Equal(t, "error", final.event, "a shutting-down node ends streams with a message")
	assert.Contains(t, final.data, "resume_after")

	n2 := startNode(t, dir, "root-token")
	resumed := openSSE(t, n2, "root-token", "kv-v2/*", nil, seen.id)
	for _, p := range []string{"x/2", "x/3"} {
		assert.Equal(t, "secret/data/"+p, resumed.nextEvent(t).cloud(t).Data.Event.Metadata["path"])
	}
	putIndexed(t, n2, "root-token", "x/4", map[string]any{"v": "4"})
	assert.Equal(t, "secret/data/x/4", resumed.nextEvent(t).cloud(t).Data.Event.Metadata["path"])
}

// createToken makes a token with policies and returns it with its
// accessor.
func createToken(t testing.TB, root *vault.Client, policies ...string) (string, string) {
	t.Helper()
	sec, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: policies})
	require.NoError(t, err)
	return sec.Auth.ClientToken, sec.Auth.Accessor
}

func TestEventsPolicyFilteringAndRevocation(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	root := clientFor(t, n, "root-token")
	require.NoError(t, root.Sys().PutPolicy("app-events", `
path "sys/events/subscribe/*" { capabilities = ["read"] }
path "secret/data/app/*" { capabilities = ["read"] }
`))
	tok, _ := createToken(t, root, "app-events")
	s := openSSE(t, n, tok, "*", nil, "")
	s.ready(t)
	for _, p := range []string{"other/a", "app/b", "other/c", "app/d"} {
		putIndexed(t, n, "root-token", p, map[string]any{"v": "x"})
	}
	assert.Equal(t, "secret/data/app/b", s.nextEvent(t).cloud(t).Data.Event.Metadata["data_path"])
	assert.Equal(t, "secret/data/app/d", s.nextEvent(t).cloud(t).Data.Event.Metadata["data_path"])
	s.noEventWithin(t, 300*time.Millisecond)

	// A token without a grant on the subscribe path subscribes all the
	// same (issue 14) and receives only what its policies let it read.
	noSub, _ := createToken(t, root, "default")
	quiet := openSSE(t, n, noSub, "kv-v2/*", nil, "")
	quiet.ready(t)
	putIndexed(t, n, "root-token", "app/f", map[string]any{"v": "x"})
	assert.Equal(t, "secret/data/app/f", s.nextEvent(t).cloud(t).Data.Event.Metadata["data_path"])
	quiet.noEventWithin(t, 300*time.Millisecond)

	// Revoked mid-stream: the stream ends with a final message.
	require.NoError(t, root.Auth().Token().RevokeTree(tok))
	putIndexed(t, n, "root-token", "app/e", map[string]any{"v": "x"})
	m := s.nextEvent(t)
	assert.Equal(t, "error", m.event)
	assert.Contains(t, m.data, "token revoked or expired")
	_, open := s.next(t, 10*time.Second)
	assert.False(t, open, "the stream is closed")
}

func TestEventsWebSocketJSONSinceTime(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	putIndexed(t, n, "root-token", "before", map[string]any{"v": "x"})
	since := testkit.Mark(t) // anything stored from here on is strictly later
	putIndexed(t, n, "root-token", "past", map[string]any{"v": "secret-past"})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := strings.Replace(n.Addr, "http://", "ws://", 1) + "/v1/sys/events/subscribe/kv-v2/data-write?json=true&since=" + url.QueryEscape(since.Format(time.RFC3339Nano))
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"X-Vault-Token": {"root-token"}}})
	require.NoError(t, err)
	defer conn.CloseNow()
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	readEvent := func() events.Event {
		typ, raw, err := conn.Read(ctx)
		require.NoError(t, err)
		require.Equal(t, websocket.MessageText, typ)
		require.NotContains(t, string(raw), "secret-past")
		var ev events.Event
		require.NoError(t, json.Unmarshal(raw, &ev))
		return ev
	}
	ev := readEvent()
	assert.Equal(t, "kv-v2/data-write", ev.Type)
	assert.Equal(t, "secret/data/past", ev.Data.Event.Metadata["path"], "since=<time> starts at the first write stored at or after it")
	putIndexed(t, n, "root-token", "live", map[string]any{"v": "x"})
	assert.Equal(t, "secret/data/live", readEvent().Data.Event.Metadata["path"])
}

func TestEventsSinceIndexAndPathPrefix(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	putIndexed(t, n, "root-token", "a/1", map[string]any{"v": "x"})
	second := putIndexed(t, n, "root-token", "a/2", map[string]any{"v": "x"})
	putIndexed(t, n, "root-token", "b/3", map[string]any{"v": "x"})
	putIndexed(t, n, "root-token", "a/4", map[string]any{"v": "x"})
	s := openSSE(t, n, "root-token", "kv-v2/*", url.Values{"since": {strconv.FormatUint(second, 10)}, "path_prefix": {"secret/data/a/"}, "namespaces": {"ignored"}}, "")
	assert.Equal(t, "secret/data/a/2", s.nextEvent(t).cloud(t).Data.Event.Metadata["path"])
	assert.Equal(t, "secret/data/a/4", s.nextEvent(t).cloud(t).Data.Event.Metadata["path"])
	s.noEventWithin(t, 300*time.Millisecond)

	resp, body := rawRequest(t, n, http.MethodGet, "/v1/sys/events/subscribe/kv-v2/*", "root-token", "")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "neither SSE nor WebSocket: %s", body)
	resp, body = rawRequest(t, n, http.MethodGet, "/v1/sys/events/subscribe/kv-v2/*", "root-token", "", "Accept", "text/event-stream", "Last-Event-ID", "yesterday")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, body, "bad cursor")
}

// replayPage reads sys/ledger/replay as the CLI does.
func replayPage(t testing.TB, c *vault.Client, q url.Values) events.ReplayPage {
	t.Helper()
	req := c.NewRequest(http.MethodGet, "/v1/sys/ledger/replay")
	req.Params = q
	resp, err := c.RawRequest(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var env struct {
		Data events.ReplayPage `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	return env.Data
}

func TestLedgerReplayFilters(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	root := clientFor(t, n, "root-token")
	require.NoError(t, root.Sys().PutPolicy("reader", `path "secret/data/*" { capabilities = ["read"] }`))
	tok, acc := createToken(t, root, "reader")
	putIndexed(t, n, "root-token", "myapp/db", map[string]any{"password": "hunter2"})
	putIndexed(t, n, "root-token", "other", map[string]any{"password": "hunter3"})
	reader := clientFor(t, n, tok)
	_, err := reader.Logical().Read("secret/data/myapp/db")
	require.NoError(t, err)

	// Who read secret/data/myapp/db? The reader's token, by accessor.
	page := replayPage(t, root, url.Values{"path": {"secret/data/myapp/db"}, "actor": {acc}, "type": {"audit.request"}})
	require.Len(t, page.Entries, 1)
	e := page.Entries[0]
	assert.Equal(t, "read", e.Operation)
	assert.Equal(t, "secret/data/myapp/db", e.Path)
	assert.True(t, strings.HasPrefix(e.Actor, "hmac-sha256:"), "audit records are HMAC'd")
	assert.NotContains(t, string(e.Audit), acc)

	// The domain events of the path, as public events, never the value.
	page = replayPage(t, root, url.Values{"path": {"secret/data/myapp"}, "type": {"kv-v2/*"}})
	require.Len(t, page.Entries, 1)
	require.NotNil(t, page.Entries[0].Event)
	assert.Equal(t, "kv-v2/data-write", page.Entries[0].Type)
	raw, err := json.Marshal(page)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "hunter")

	// Pagination: limit 1 over every kv write, following next.
	var paths []string
	q := url.Values{"type": {"kv-v2/data-write"}, "limit": {"1"}}
	for range 5 {
		p := replayPage(t, root, q)
		for _, e := range p.Entries {
			paths = append(paths, e.Path)
		}
		if p.Next == "" {
			break
		}
		q.Set("after", p.Next)
	}
	assert.Equal(t, []string{"secret/data/myapp/db", "secret/data/other"}, paths)

	// Replay needs sudo.
	req := reader.NewRequest(http.MethodGet, "/v1/sys/ledger/replay")
	_, err = reader.RawRequest(req)
	requireStatus(t, err, http.StatusForbidden)
}

func TestLedgerStateAt(t *testing.T) {
	n := startNode(t, t.TempDir(), "root-token")
	root := clientFor(t, n, "root-token")
	ctx := context.Background()
	kv := root.KVv2("secret")
	require.NoError(t, root.Sys().PutPolicy("ops", `path "secret/data/old/*" { capabilities = ["read"] }`))
	_, err := kv.Put(ctx, "app", map[string]any{"password": "first-value"})
	require.NoError(t, err)
	require.NoError(t, kv.PutMetadata(ctx, "app", vault.KVMetadataPutInput{CustomMetadata: map[string]any{"owner": "team-a"}}))
	_, acc := createToken(t, root, "ops")
	then := testkit.Mark(t) // anything stored from here on is strictly later

	_, err = kv.Put(ctx, "app", map[string]any{"password": "second-value"})
	require.NoError(t, err)
	require.NoError(t, kv.PutMetadata(ctx, "app", vault.KVMetadataPutInput{CustomMetadata: map[string]any{"owner": "team-b"}}))
	require.NoError(t, kv.Destroy(ctx, "app", []int{1}))
	require.NoError(t, root.Sys().PutPolicy("ops", `path "secret/data/new/*" { capabilities = ["read"] }`))
	require.NoError(t, root.Auth().Token().RevokeAccessor(acc))

	stateAt := func(at, path string) map[string]any {
		t.Helper()
		s, err := root.Logical().ReadWithData("sys/ledger/state-at", map[string][]string{"at": {at}, "path": {path}})
		require.NoError(t, err)
		require.NotNil(t, s)
		raw, err := json.Marshal(s.Data)
		require.NoError(t, err)
		assert.NotContains(t, string(raw), "-value", "never a secret value")
		return s.Data
	}
	at := then.Format(time.RFC3339Nano)
	md := stateAt(at, "secret/data/app")
	assert.Equal(t, json.Number("1"), md["current_version"])
	assert.Equal(t, map[string]any{"owner": "team-a"}, md["custom_metadata"])
	v1 := md["versions"].(map[string]any)["1"].(map[string]any)
	assert.Equal(t, false, v1["destroyed"], "version 1 was not destroyed yet")

	now := stateAt(time.Now().UTC().Format(time.RFC3339Nano), "secret/metadata/app")
	assert.Equal(t, json.Number("2"), now["current_version"])
	assert.Equal(t, true, now["versions"].(map[string]any)["1"].(map[string]any)["destroyed"])

	pol := stateAt(at, "sys/policies/acl/ops")
	assert.Contains(t, pol["policy"], "secret/data/old/*")

	tokThen := stateAt(at, "auth/token/accessors/"+acc)
	assert.Equal(t, "live", tokThen["state"])
	assert.Equal(t, []any{"default", "ops"}, tokThen["policies"])
	tokNow := stateAt(time.Now().UTC().Format(time.RFC3339Nano), "auth/token/accessors/"+acc)
	assert.Equal(t, "revoked", tokNow["state"])

	// The destroyed value stays unreadable now: its data key is gone.
	gone, err := kv.GetVersion(ctx, "app", 1)
	if err == nil {
		assert.Nil(t, gone.Data)
	}

	_, err = root.Logical().ReadWithData("sys/ledger/state-at", map[string][]string{"at": {at}, "path": {"nope/x"}})
	requireStatus(t, err, http.StatusBadRequest)
}

// BenchmarkKVPutWithSubscribers measures what subscribers cost writers:
// the same parallel KV v2 writes as BenchmarkKVPutParallel with no
// subscriber, then with 100 idle ones (subscribed to kv-v2/* under a
// prefix nothing is written to, so each is woken and filters) and 10
// active ones (receiving every write):
//
//	go test -run '^$' -bench KVPutWithSubscribers -benchtime 5000x ./node/
func BenchmarkKVPutWithSubscribers(b *testing.B) {
	for _, tc := range []struct {
		name         string
		idle, active int
	}{
		{"subscribers=0", 0, 0},
		{"subscribers=100idle", 100, 0},
		{"subscribers=100idle+10active", 100, 10},
	} {
		b.Run(tc.name, func(b *testing.B) {
			n := startNode(b, b.TempDir(), "root-token")
			c := clientFor(b, n, "root-token")
			for range tc.idle {
				openSSE(b, n, "root-token", "kv-v2/*", url.Values{"path_prefix": {"secret/data/idle/"}}, "").ready(b)
			}
			var received atomic.Int64
			for range tc.active {
				s := openSSE(b, n, "root-token", "kv-v2/*", nil, "")
				s.ready(b)
				go func() {
					for m := range s.msgs {
						if m.event != "" {
							received.Add(1)
						}
					}
				}()
			}
			writes := putParallel(b, c)
			if tc.active > 0 {
				want := int64(tc.active) * writes
				testkit.CheckFor(b, 30*time.Second, 0, func() error {
					if got := received.Load(); got < want {
						return fmt.Errorf("active subscribers received %d of %d events", got, want)
					}
					return nil
				})
			}
		})
	}
}
