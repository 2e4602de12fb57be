package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/natstest"
)

// startExternal starts a password-protected JetStream server on a random
// loopback port: the "existing cluster" Coffer is pointed at.
func startExternal(t *testing.T) string {
	t.Helper()
	ns := natstest.Start(t, &server.Options{Username: "coffer", Password: "s3cret-pw"})
	return fmt.Sprintf("nats://%s", ns.Addr().String())
}

func TestExternalStreamCreatedThenBound(t *testing.T) {
	url := startExternal(t)
	ctx := context.Background()

	_, err := ConnectExternal(ExternalConfig{URLs: []string{url}, User: "coffer", Password: "wrong"})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "wrong")

	nc, err := ConnectExternal(ExternalConfig{URLs: []string{url}, User: "coffer", Password: "s3cret-pw"})
	require.NoError(t, err)
	defer nc.Close()
	st, err := OpenWithOptions(ctx, nc, OpenOptions{Replicas: 1, External: true})
	require.NoError(t, err)
	st.Close()
	// The second node binds to the stream the first created.
	st, err = OpenWithOptions(ctx, nc, OpenOptions{Replicas: 1, External: true})
	require.NoError(t, err)
	require.Equal(t, 1, st.Replicas())
	st.Close()
}

func TestExternalStreamWithOtherSettingsRefusedAndUnchanged(t *testing.T) {
	url := startExternal(t)
	ctx := context.Background()
	nc, err := ConnectExternal(ExternalConfig{URLs: []string{url}, User: "coffer", Password: "s3cret-pw"})
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	bad := streamConfig(1)
	bad.Storage, bad.DenyPurge, bad.Duplicates = jetstream.MemoryStorage, false, 10*time.Second
	_, err = js.CreateStream(ctx, bad)
	require.NoError(t, err)

	_, err = OpenWithOptions(ctx, nc, OpenOptions{Replicas: 1, External: true, FormWait: 5 * time.Second})
	require.ErrorIs(t, err, ErrStreamSettings)
	for _, want := range []string{"storage is memory, want file", "deny_purge is off", "duplicate window is 10s"} {
		require.Contains(t, err.Error(), want)
	}
	s, err := js.Stream(ctx, StreamName)
	require.NoError(t, err)
	cfg := s.CachedInfo().Config
	require.Equal(t, jetstream.MemoryStorage, cfg.Storage, "the stream was changed")
	require.False(t, cfg.DenyPurge)
}

func TestStreamProblems(t *testing.T) {
	want := streamConfig(3)
	require.Empty(t, streamProblems(want, want))
	have := want
	have.Replicas, have.DenyDelete, have.MaxAge = 1, false, time.Hour
	require.Equal(t, []string{
		"deny_delete is off, want on (the ledger is append-only)",
		"replicas is 1, want 3",
		"a max age, message, byte or per-subject limit is set, want none (nothing may age out of the ledger)",
	}, streamProblems(have, want))
	have = want
	have.Subjects = []string{"other.>"}
	require.Len(t, streamProblems(have, want), 1)
	// An audit retention needs per-message TTLs on the stream.
	want.AllowMsgTTL, have = true, want
	have.AllowMsgTTL = false
	require.Equal(t, []string{"allow_msg_ttl is off, want on (audit_retention ages audit records out with per-message TTLs)"}, streamProblems(have, want))
}
