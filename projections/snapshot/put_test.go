package snapshot

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/natstest"
)

// A snapshot larger than the stream's ingest queue, uploaded to a server
// that fsyncs every message, is stored whole. With nats.go's default
// 128 KiB chunks the upload could have ~500 MiB unacknowledged and the
// server dropped chunks past its queue (429), failing the put; the queue
// here is 64 MiB (the server's default is 128) and the object 1.5 times
// that.
func TestPutObjectLargerThanIngestQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 96 MiB")
	}
	nc := natstest.Connect(t, &server.Options{SyncAlways: true, StreamMaxBufferedSize: 64 << 20})
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	obj, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "PUT_TEST", Storage: jetstream.FileStorage})
	require.NoError(t, err)

	data := make([]byte, 96<<20)
	_, err = rand.Read(data)
	require.NoError(t, err)
	info, err := putObject(ctx, obj, jetstream.ObjectMeta{Name: "big"}, bytes.NewReader(data))
	require.NoError(t, err)
	require.EqualValues(t, len(data), info.Size)

	r, err := obj.Get(ctx, "big")
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got), "the object read back differs from what was put")
}
