package events

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/node"
)

func startNode(t *testing.T) (*node.Node, *vault.Client) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Coffer node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := node.Start(ctx, node.Config{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: "root",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	cfg := vault.DefaultConfig()
	cfg.Address = n.Addr
	c, err := vault.NewClient(cfg)
	require.NoError(t, err)
	c.SetToken("root")
	return n, c
}

type run struct {
	s      *Stream
	events chan Event
	status chan Status
	cancel context.CancelFunc
	done   chan struct{}
}

func follow(addr, token, cursor string) *run {
	r := &run{events: make(chan Event, 64), status: make(chan Status, 16), done: make(chan struct{})}
	r.s = &Stream{HTTP: &http.Client{}, Address: addr, Token: func() string { return token }, Events: r.events, Status: r.status,
		RetryUnavailable: time.Hour, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), lastID: cursor}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.s.Run(ctx); close(r.done) }()
	return r
}

func (r *run) stop() { r.cancel(); <-r.done }

func (r *run) nextStatus(t *testing.T) Status {
	t.Helper()
	select {
	case st := <-r.status:
		return st
	case <-time.After(10 * time.Second):
		t.Fatal("no status")
		return Status{}
	}
}

func (r *run) nextEvent(t *testing.T) Event {
	t.Helper()
	select {
	case ev := <-r.events:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
		return Event{}
	}
}

func TestStreamDeliversAndResumesWithoutGapOrRepeat(t *testing.T) {
	n, c := startNode(t)
	kv := c.KVv2("secret")
	r := follow(n.Addr, "root", "")
	st := r.nextStatus(t)
	require.Equal(t, Connected, st.State)
	require.False(t, st.Resumed)
	_, err := kv.Put(t.Context(), "app/one", map[string]any{"k": "v"})
	require.NoError(t, err)
	ev := r.nextEvent(t)
	require.Equal(t, "kv-v2/data-write", ev.Type)
	require.Equal(t, "secret/data/app/one", ev.DataPath)
	require.NotEmpty(t, ev.Cursor)
	cursor := r.s.Cursor()
	r.stop()

	// Written while nobody listened: delivered on resume, the first event
	// not again.
	_, err = kv.Put(t.Context(), "app/two", map[string]any{"k": "v"})
	require.NoError(t, err)
	r2 := follow(n.Addr, "root", cursor)
	defer r2.stop()
	st = r2.nextStatus(t)
	require.Equal(t, Connected, st.State)
	require.True(t, st.Resumed)
	ev = r2.nextEvent(t)
	require.Equal(t, "secret/data/app/two", ev.DataPath)
}

func TestStreamStates(t *testing.T) {
	n, c := startNode(t)
	// Any token may follow the paths it can read; a policy that denies
	// the subscription outright makes the stream unavailable, so the
	// caller polls.
	require.NoError(t, c.Sys().PutPolicy("nosub", `path "secret/data/*" { capabilities = ["read"] }
path "sys/events/subscribe/*" { capabilities = ["deny"] }`))
	denied, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"nosub"}})
	require.NoError(t, err)
	r := follow(n.Addr, denied.Auth.ClientToken, "")
	require.Equal(t, Unavailable, r.nextStatus(t).State, "subscription denied: unavailable, so the caller polls")
	r.stop()

	require.NoError(t, c.Sys().PutPolicy("reader", `path "secret/data/*" { capabilities = ["read"] }`))
	sub, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"reader"}})
	require.NoError(t, err)
	r = follow(n.Addr, sub.Auth.ClientToken, "")
	defer r.stop()
	require.Equal(t, Connected, r.nextStatus(t).State)
	require.NoError(t, c.Auth().Token().RevokeOrphan(sub.Auth.ClientToken))
	st := r.nextStatus(t)
	require.Equal(t, TokenInvalid, st.State)
	require.Equal(t, sub.Auth.ClientToken, st.Token)

	// Nothing listening at all: disconnected, retried.
	r3 := follow("http://127.0.0.1:1", "root", "")
	defer r3.stop()
	require.Equal(t, Disconnected, r3.nextStatus(t).State)
}
