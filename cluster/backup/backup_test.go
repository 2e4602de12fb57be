package backup

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/ledger"
)

// deployment is one embedded JetStream server with the ledger's streams
// opened as a node opens them (empty, not initialised).
type deployment struct {
	nc *nats.Conn
	js jetstream.JetStream
}

func newDeployment(t *testing.T) deployment {
	t.Helper()
	ns, nc, err := ledger.StartEmbedded(ledger.EmbeddedConfig{StoreDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close(); ns.Shutdown(); ns.WaitForShutdown() })
	st, err := ledger.Open(context.Background(), nc, 1)
	require.NoError(t, err)
	t.Cleanup(st.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return deployment{nc: nc, js: js}
}

// fill publishes n random messages of size bytes to the ledger stream and
// a few to the data-key stream, and returns the ledger's payloads.
func (d deployment) fill(t *testing.T, n, size int) [][]byte {
	t.Helper()
	ctx := context.Background()
	var out [][]byte
	for i := range n {
		p := make([]byte, size)
		_, _ = rand.Read(p)
		_, err := d.js.Publish(ctx, ledger.SubjectBatch, p, jetstream.WithMsgID(fmt.Sprint("m", i)))
		require.NoError(t, err)
		out = append(out, p)
	}
	for i := range 3 {
		_, err := d.js.Publish(ctx, fmt.Sprint("coffer.datakeys.", i), []byte{byte(i)})
		require.NoError(t, err)
	}
	return out
}

func (d deployment) messages(t *testing.T, stream string) [][]byte {
	t.Helper()
	ctx := context.Background()
	s, err := d.js.Stream(ctx, stream)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	var out [][]byte
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		require.NoError(t, err)
		out = append(out, m.Data)
	}
	return out
}

func save(t *testing.T, d deployment) []byte {
	t.Helper()
	var buf bytes.Buffer
	m, err := Save(context.Background(), d.nc, &buf, SaveOptions{Node: "a"})
	require.NoError(t, err)
	require.Equal(t, []string{"COFFER_LEDGER", "COFFER_DATAKEYS", "COFFER_ERASE"}, m.Header.Streams, "checkpoints and reaper do not exist yet")
	return buf.Bytes()
}

// TestSaveRestoreRoundTrip: every message of the ledger comes back in a new
// deployment at its sequence, the data keys too; the backup spans several
// chunks.
func TestSaveRestoreRoundTrip(t *testing.T) {
	src := newDeployment(t)
	want := src.fill(t, 300, 4<<10) // ~1.2 MiB: several 256 KiB chunks
	file := save(t, src)

	m, err := Check(bytes.NewReader(file))
	require.NoError(t, err)
	ls, ok := m.Stream(ledger.StreamName)
	require.True(t, ok)
	require.Equal(t, uint64(300), ls.Messages())
	require.Equal(t, uint64(300), ls.LastSeq())

	dst := newDeployment(t)
	_, err = Restore(context.Background(), dst.nc, bytes.NewReader(file), RestoreOptions{Replicas: 1})
	require.NoError(t, err)
	require.Equal(t, want, dst.messages(t, ledger.StreamName))
	require.Len(t, dst.messages(t, "COFFER_DATAKEYS"), 3)

	// The restored ledger takes appends after its last sequence.
	ack, err := dst.js.Publish(context.Background(), ledger.SubjectBatch, []byte("next"))
	require.NoError(t, err)
	require.Equal(t, uint64(301), ack.Sequence)
}

// TestRestoreRefusesDeploymentWithData: a second restore, or one over a
// deployment that was written to, changes nothing.
func TestRestoreRefusesDeploymentWithData(t *testing.T) {
	src := newDeployment(t)
	src.fill(t, 5, 100)
	file := save(t, src)

	dst := newDeployment(t)
	mine := dst.fill(t, 2, 10)
	_, err := Restore(context.Background(), dst.nc, bytes.NewReader(file), RestoreOptions{Replicas: 1})
	require.ErrorIs(t, err, ErrNotEmpty)
	require.Contains(t, err.Error(), "new deployment")
	require.Equal(t, mine, dst.messages(t, ledger.StreamName), "nothing changed")
}

// TestRestoreRefusesBrokenBackups: a backup cut short or with one byte
// changed is refused, and the deployment is left empty and usable: the
// good backup restores into it afterwards.
func TestRestoreRefusesBrokenBackups(t *testing.T) {
	src := newDeployment(t)
	want := src.fill(t, 200, 4<<10)
	file := save(t, src)

	flipped := bytes.Clone(file)
	flipped[len(file)/2] ^= 0x01
	cases := map[string]struct {
		data []byte
		want error
	}{
		"cut in the trailer":     {file[:len(file)-3], ErrTruncated},
		"cut in the ledger":      {file[:len(file)/3], ErrTruncated},
		"a byte changed":         {flipped, nil}, // JetStream's own check or the stream's digest: either refuses
		"another file":           {[]byte("not a backup at all, but long enough"), ErrCorrupt},
		"data after the trailer": {append(bytes.Clone(file), 0), ErrCorrupt},
	}
	dst := newDeployment(t)
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Check(bytes.NewReader(c.data))
			require.Error(t, err)
			_, err = Restore(context.Background(), dst.nc, bytes.NewReader(c.data), RestoreOptions{Replicas: 1})
			require.Error(t, err)
			if c.want != nil {
				require.ErrorIs(t, err, c.want)
			} else {
				require.True(t, errors.Is(err, ErrCorrupt) || strings.Contains(err.Error(), "refused by JetStream"), err)
			}
			require.Empty(t, dst.messages(t, ledger.StreamName), "the deployment is empty again (the restore said: %v)", err)
			require.Empty(t, dst.messages(t, "COFFER_DATAKEYS"), "the restore said: %v", err)
		})
	}
	_, err := Restore(context.Background(), dst.nc, bytes.NewReader(file), RestoreOptions{Replicas: 1})
	require.NoError(t, err)
	require.Equal(t, want, dst.messages(t, ledger.StreamName))
}

// TestRestoreHandlerCapsTheBody: a body past the cap is refused with 413
// before anything is restored; the errors come in Vault's shape.
func TestRestoreHandlerCapsTheBody(t *testing.T) {
	src := newDeployment(t)
	src.fill(t, 50, 1<<10)
	file := save(t, src)
	dst := newDeployment(t)
	h := &RestoreHandler{NC: dst.nc, Replicas: 1, MaxBytes: int64(len(file) - 1)}

	for _, length := range []int64{int64(len(file)), -1} { // declared, and unknown (chunked)
		req := httptest.NewRequest(http.MethodPost, RestorePath, bytes.NewReader(file))
		req.ContentLength = length
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, rec.Body.String())
		require.Contains(t, rec.Body.String(), `"errors"`)
		require.Empty(t, dst.messages(t, ledger.StreamName))
	}

	restored := false
	h.MaxBytes, h.Restored = 0, func() { restored = true }
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, RestorePath, bytes.NewReader(file)))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.True(t, restored)
	require.Len(t, dst.messages(t, ledger.StreamName), 50)

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, RestorePath, bytes.NewReader(file)))
	require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
}

// newClusterDeployment is three embedded servers routed into one
// JetStream cluster, with the ledger's streams opened at R3 as a node
// opens them; one connection per server.
func newClusterDeployment(t *testing.T) []deployment {
	t.Helper()
	var addrs []string
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addrs = append(addrs, l.Addr().String())
		l.Close()
	}
	out := make([]deployment, 3)
	for i := range 3 {
		var peers []string
		for j, a := range addrs {
			if j != i {
				peers = append(peers, a)
			}
		}
		ns, nc, err := ledger.StartEmbedded(ledger.EmbeddedConfig{StoreDir: t.TempDir(), ServerName: fmt.Sprintf("n%d", i+1), ClusterAddr: addrs[i], Routes: peers})
		require.NoError(t, err)
		t.Cleanup(func() { nc.Close(); ns.Shutdown(); ns.WaitForShutdown() })
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		out[i] = deployment{nc: nc, js: js}
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, d := range out {
		wg.Go(func() {
			st, err := ledger.OpenWithOptions(context.Background(), d.nc, ledger.OpenOptions{Replicas: 3, FormWait: time.Minute})
			if err == nil {
				t.Cleanup(st.Close)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return out
}

// TestSaveFromClusterRestoreIntoCluster: a backup asked of any server of an
// R3 cluster (the stream leaders answer) restores through any server of a
// new R3 cluster, every stream at three replicas, and every server reads
// the same messages.
func TestSaveFromClusterRestoreIntoCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("six embedded servers")
	}
	src := newClusterDeployment(t)
	want := src[0].fill(t, 100, 2<<10)
	file := save(t, src[2])

	dst := newClusterDeployment(t)
	m, err := Restore(context.Background(), dst[1].nc, bytes.NewReader(file), RestoreOptions{Replicas: 3})
	require.NoError(t, err)
	require.Len(t, m.Streams, 3)
	for i, d := range dst {
		require.Equal(t, want, d.messages(t, ledger.StreamName), "server %d", i+1)
		s, err := d.js.Stream(context.Background(), "COFFER_DATAKEYS")
		require.NoError(t, err)
		require.Equal(t, 3, s.CachedInfo().Config.Replicas)
	}
	ack, err := dst[0].js.Publish(context.Background(), ledger.SubjectBatch, []byte("next"))
	require.NoError(t, err)
	require.Equal(t, uint64(101), ack.Sequence)
}
