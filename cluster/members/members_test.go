package members

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
)

// gcm seals as the barrier does (AES-256-GCM, nonce first, AAD bound).
type gcm struct{ aead cipher.AEAD }

func newGCM(t *testing.T) *gcm {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	aead, err := cipher.NewGCM(block)
	require.NoError(t, err)
	return &gcm{aead}
}

func (g *gcm) Seal(aad, pt []byte) []byte {
	nonce := make([]byte, g.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return g.aead.Seal(nonce, nonce, pt, aad)
}

func (g *gcm) Open(aad, ct []byte) ([]byte, error) {
	n := g.aead.NonceSize()
	if len(ct) < n {
		return nil, errors.New("short")
	}
	return g.aead.Open(nil, ct[:n], ct[n:], aad)
}

func connect(t *testing.T) *nats.Conn {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true, StoreDir: filepath.Join(t.TempDir(), "js")})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

func serve(t *testing.T, nc *nats.Conn, b Sealer, m Member) {
	t.Helper()
	sub, err := Answer(nc, func() Sealer { return b }, func() Member { return m })
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })
}

// TestGather: every unsealed node under the cluster's keys answers; a
// sealed node and a node under other keys do not count; the gather ends
// as soon as the expected count answered.
func TestGather(t *testing.T) {
	nc := connect(t)
	keys := newGCM(t)
	serve(t, nc, keys, Member{NodeID: "node2", APIAddr: "http://b", Applied: 40})
	serve(t, nc, keys, Member{NodeID: "node1", APIAddr: "http://a", Applied: 42, Leading: true})
	serve(t, nc, nil, Member{NodeID: "sealed", Applied: 1})
	serve(t, nc, newGCM(t), Member{NodeID: "stranger", Applied: 99})

	got, err := Gather(t.Context(), nc, keys, 2*time.Second, 0)
	require.NoError(t, err)
	require.Equal(t, []Member{
		{NodeID: "node1", APIAddr: "http://a", Applied: 42, Leading: true},
		{NodeID: "node2", APIAddr: "http://b", Applied: 40},
	}, got)

	start := time.Now()
	got, err = Gather(t.Context(), nc, keys, 5*time.Second, 2)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Less(t, time.Since(start), 2*time.Second, "the gather waited past the expected answers")

	_, err = Gather(t.Context(), nc, nil, time.Second, 0)
	require.ErrorIs(t, err, ErrSealed)
}

// TestAnswerBoundToItsRequest: an answer captured for one request does
// not open under another request's nonce, so it cannot be replayed.
func TestAnswerBoundToItsRequest(t *testing.T) {
	nc := connect(t)
	keys := newGCM(t)
	serve(t, nc, keys, Member{NodeID: "node1", Applied: 7})
	reply, err := nc.Request(Subject, []byte("nonce-one"), 2*time.Second)
	require.NoError(t, err)
	_, err = keys.Open(aad([]byte("nonce-one")), reply.Data)
	require.NoError(t, err)
	_, err = keys.Open(aad([]byte("nonce-two")), reply.Data)
	require.Error(t, err, "an answer opened under another request's nonce")
}
