package backup

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/transparency"
)

// Streams are the streams a backup holds, in the order they are taken
// (the package doc says why this order). The ledger is required; the
// others are taken when they exist. The data-key, erase and reaper
// streams' names are unexported where they are created; the end-to-end
// test that restores a backup and reads its secrets fails if one is
// misnamed here.
var Streams = []string{transparency.StreamName, ledger.StreamName, "COFFER_DATAKEYS", "COFFER_ERASE", "COFFER_REAPER"}

// JetStream's API subjects (default domain).
const (
	apiSnapshot = "$JS.API.STREAM.SNAPSHOT."
	apiRestore  = "$JS.API.STREAM.RESTORE."
)

const (
	// apiTimeout bounds one JetStream API request.
	apiTimeout = 10 * time.Second
	// chunkTimeout bounds the wait for one chunk either way: the server
	// itself gives up on a receiver after 5 s without an ack.
	chunkTimeout = 30 * time.Second
	// chunkSize and windowSize are asked of the server: 256 KiB chunks,
	// 4 MiB in flight (its defaults are 128 KiB and 8 MiB; a bigger
	// chunk halves the acks, a smaller window bounds this process's
	// buffer).
	chunkSize  = 256 << 10
	windowSize = 4 << 20
)

// SaveOptions tune Save.
type SaveOptions struct {
	// Node names the node taking the backup, for the header.
	Node string
}

// apiError is JetStream's error in an API response.
type apiError struct {
	Code        int    `json:"code"`
	ErrCode     int    `json:"err_code"`
	Description string `json:"description"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s (JetStream error %d)", e.Description, e.ErrCode)
}

// Save writes a backup of Streams to w: each stream's snapshot as
// JetStream streams it (messages checked against their checksums first,
// consumers left out), then the trailer. A failure leaves w without a
// trailer, which Check and Restore refuse.
func Save(ctx context.Context, nc *nats.Conn, w io.Writer, o SaveOptions) (Manifest, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: jetstream: %w", err)
	}
	var names []string
	for _, name := range Streams {
		_, err := js.Stream(ctx, name)
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound) && name != ledger.StreamName:
			continue
		case err != nil:
			return Manifest{}, fmt.Errorf("backup: stream %s: %w", name, err)
		}
		names = append(names, name)
	}
	m := Manifest{Header: Header{Format: formatVersion, Created: time.Now().UTC(), Node: o.Node, Streams: names}}
	bw := newWriter(w)
	if err := bw.json(kindHeader, m.Header); err != nil {
		return m, err
	}
	for _, name := range names {
		info, err := snapshotStream(ctx, nc, name, bw)
		if err != nil {
			return m, err
		}
		m.Streams = append(m.Streams, info)
	}
	return m, bw.trailer()
}

// snapshotStream asks the stream's leader for its snapshot and writes it
// as a stream's records.
func snapshotStream(ctx context.Context, nc *nats.Conn, name string, bw *writer) (StreamInfo, error) {
	info := StreamInfo{Name: name}
	inbox := nc.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		return info, fmt.Errorf("backup: snapshot of %s: subscribe: %w", name, err)
	}
	defer sub.Unsubscribe()
	req, _ := json.Marshal(map[string]any{
		"deliver_subject": inbox, "no_consumers": true, "jsck": true,
		"chunk_size": chunkSize, "window_size": windowSize,
	})
	var resp struct {
		Config json.RawMessage `json:"config"`
		State  json.RawMessage `json:"state"`
		Error  *apiError       `json:"error"`
	}
	if err := request(ctx, nc, apiSnapshot+name, req, apiTimeout, &resp); err != nil {
		return info, fmt.Errorf("backup: snapshot of %s: %w", name, err)
	}
	if resp.Error != nil {
		return info, fmt.Errorf("backup: snapshot of %s: %w", name, resp.Error)
	}
	info.Config, info.State = resp.Config, resp.State
	if err := bw.json(kindStream, info); err != nil {
		return info, err
	}
	sum := sha256.New()
	for {
		cctx, cancel := context.WithTimeout(ctx, chunkTimeout)
		msg, err := sub.NextMsgWithContext(cctx)
		cancel()
		if err != nil {
			return info, fmt.Errorf("backup: snapshot of %s: waiting for the next chunk: %w", name, err)
		}
		if len(msg.Data) == 0 {
			// The end: a bare status, 204 when the snapshot is whole.
			if st := msg.Header.Get("Status"); st != "" && st != "204" {
				return info, fmt.Errorf("backup: snapshot of %s failed on the server: %s %s", name, st, msg.Header.Get("Description"))
			}
			break
		}
		if err := bw.record(kindChunk, msg.Data); err != nil {
			return info, err
		}
		sum.Write(msg.Data)
		info.Bytes += int64(len(msg.Data))
		// The ack is the server's flow control: it sends the next
		// chunk only as slots free up.
		if msg.Reply != "" {
			if err := msg.Respond(nil); err != nil {
				return info, fmt.Errorf("backup: snapshot of %s: ack: %w", name, err)
			}
		}
	}
	info.SHA256 = fmt.Sprintf("%x", sum.Sum(nil))
	return info, bw.json(kindEnd, streamEnd{Name: name, Bytes: info.Bytes, SHA256: info.SHA256})
}

// request sends one request and decodes its JSON answer into v (when v is
// not nil and the answer is not empty).
func request(ctx context.Context, nc *nats.Conn, subject string, data []byte, timeout time.Duration, v any) error {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	msg, err := nc.RequestWithContext(rctx, subject, data)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return fmt.Errorf("no answer within %s (does the stream have a leader?): %w", timeout, err)
	}
	if err != nil {
		return err
	}
	if v == nil || len(msg.Data) == 0 {
		return nil
	}
	if err := json.Unmarshal(msg.Data, v); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	return nil
}
