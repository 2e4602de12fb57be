package snapshot

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	// putChunkSize is the object store chunk a snapshot is uploaded in
	// (nats.go's default).
	putChunkSize = 128 << 10
	// putWindow bounds the chunks handed to ObjectStore.Put that the
	// stream has not stored yet: 128 x 128 KiB = 16 MiB.
	putWindow = 128
	// putPoll is how often a paced upload asks how far the stream got.
	putPoll = 2 * time.Millisecond
)

// putObject stores r under meta without letting the upload outrun the
// stream.
//
// nats.go's ObjectStore.Put publishes every chunk asynchronously, up to
// 4,000 unacknowledged (500 MiB at 128 KiB), and gives up when none is
// acknowledged for 200 ms; nats-server queues a stream's incoming messages
// up to 128 MiB and drops the rest with 429. A snapshot larger than that,
// read from a local file faster than a slow disk stores it, had its put
// fail ("snapshot: not taken") every time, so a large deployment never got
// a snapshot (seen with a 577 MiB projection). Put cannot be told to send
// fewer, so the reader it reads from holds back: it hands over a chunk only
// while fewer than putWindow chunks are beyond the stream's last sequence
// as it was when the upload began.
func putObject(ctx context.Context, obj jetstream.ObjectStore, meta jetstream.ObjectMeta, r io.Reader) (*jetstream.ObjectInfo, error) {
	last := func() (uint64, error) {
		st, err := obj.Status(ctx)
		if err != nil {
			return 0, fmt.Errorf("snapshot: bucket status: %w", err)
		}
		bs, ok := st.(*jetstream.ObjectBucketStatus)
		if !ok || bs.StreamInfo() == nil {
			return 0, fmt.Errorf("snapshot: bucket status: no stream state")
		}
		return bs.StreamInfo().State.LastSeq, nil
	}
	base, err := last()
	if err != nil {
		return nil, err
	}
	if meta.Opts == nil {
		meta.Opts = &jetstream.ObjectMetaOptions{}
	}
	meta.Opts.ChunkSize = putChunkSize
	return obj.Put(ctx, meta, &pacedReader{ctx: ctx, r: r, base: base, last: last})
}

// pacedReader reads r for ObjectStore.Put, at most putWindow chunks ahead
// of what the stream has stored. The stream's last sequence only grows
// (another node's snapshot or a prune cannot make the reader wait for
// ever); another writer's messages make it go a little faster, never stop.
type pacedReader struct {
	ctx  context.Context
	r    io.Reader
	base uint64
	last func() (uint64, error)
	sent uint64 // bytes handed to Put
}

func (p *pacedReader) Read(b []byte) (int, error) {
	for {
		chunks := p.sent / putChunkSize
		if chunks < putWindow {
			break
		}
		seq, err := p.last()
		if err != nil {
			return 0, err
		}
		if stored := seq - min(seq, p.base); stored >= chunks || chunks-stored < putWindow {
			break
		}
		select {
		case <-p.ctx.Done():
			return 0, p.ctx.Err()
		case <-time.After(putPoll):
		}
	}
	n, err := p.r.Read(b[:min(len(b), putChunkSize)])
	p.sent += uint64(n)
	return n, err
}
