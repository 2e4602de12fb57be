package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/cofferhq/coffer/ledger/transparency"
)

// Errors.
var (
	// ErrSegment reports a segment that does not parse or does not hold
	// together (its leaves, its chain to the one before).
	ErrSegment = errors.New("archive: bad segment")
	// ErrExists reports a segment that is already written: segments are
	// append-only and never rewritten.
	ErrExists = errors.New("archive: segment already exists")
)

// segmentFormat is the layout version of a segment file.
const segmentFormat = 1

// A segment is a file of JSON lines: the header, one line per archived
// message, the trailer. Messages are kept exactly as stored (sealed data,
// headers, stored time, sequence), so their transparency leaves can be
// recomputed from the file alone.
type header struct {
	Format int    `json:"format"`
	First  uint64 `json:"first"`
	Last   uint64 `json:"last"`
	Count  int    `json:"count"`
	// Prev and PrevDigest chain the segments: the name and SHA-256 (hex)
	// of the segment before this one, so a segment that is removed is
	// named by the one after it.
	Prev       string    `json:"prev,omitempty"`
	PrevDigest string    `json:"prev_digest,omitempty"`
	Created    time.Time `json:"created"`
}

type line struct {
	Seq     uint64              `json:"seq"`
	Subject string              `json:"subject"`
	Stored  time.Time           `json:"stored"`
	Header  map[string][]string `json:"header,omitempty"`
	Data    []byte              `json:"data"`
}

type trailer struct {
	// Leaves are the messages' transparency leaf hashes (hex), in order.
	Leaves []string `json:"leaves"`
	// Checkpoint is the newest signed checkpoint when the segment was
	// written, as stored: it covers the segment when its size reaches
	// Last (the archiver waits for one that does, within limits).
	Checkpoint string `json:"checkpoint,omitempty"`
}

// Segment is one archive file, read back.
type Segment struct {
	Name       string
	First      uint64
	Last       uint64
	Prev       string
	PrevDigest string
	Created    time.Time
	Messages   []transparency.Message
	Leaves     []string
	Checkpoint string
	// Digest is the SHA-256 of the whole file, hex.
	Digest string
}

// segmentName names the segment of audit messages first..last; names
// sort as the segments do.
func segmentName(first, last uint64) string {
	return fmt.Sprintf("audit-%020d-%020d.seg", first, last)
}

// parseName returns a segment name's range.
func parseName(name string) (first, last uint64, ok bool) {
	s, found := strings.CutPrefix(name, "audit-")
	if !found {
		return 0, 0, false
	}
	s, found = strings.CutSuffix(s, ".seg")
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	first, err1 := strconv.ParseUint(a, 10, 64)
	last, err2 := strconv.ParseUint(b, 10, 64)
	return first, last, err1 == nil && err2 == nil && first <= last
}

// encode is a segment's file contents.
func encode(h header, msgs []transparency.Message, t trailer) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(h); err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if err := enc.Encode(line{Seq: m.Seq, Subject: m.Subject, Stored: m.Stored, Header: m.Header, Data: m.Data}); err != nil {
			return nil, err
		}
	}
	if err := enc.Encode(t); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Read reads and parses one segment of st; its leaves are not checked
// here (Verify does).
func Read(ctx context.Context, st Store, name string) (Segment, error) {
	b, err := st.Get(ctx, name)
	if err != nil {
		return Segment{}, err
	}
	s, err := decode(b)
	if err != nil {
		return Segment{}, fmt.Errorf("%w: %s: %v", ErrSegment, name, err)
	}
	s.Name, s.Digest = name, digestHex(b)
	return s, nil
}

func decode(b []byte) (Segment, error) {
	lines := bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	if len(lines) < 2 {
		return Segment{}, io.ErrUnexpectedEOF
	}
	var h header
	if err := json.Unmarshal(lines[0], &h); err != nil {
		return Segment{}, fmt.Errorf("header: %v", err)
	}
	if h.Format != segmentFormat {
		return Segment{}, fmt.Errorf("format %d", h.Format)
	}
	if h.Count != len(lines)-2 {
		return Segment{}, fmt.Errorf("header says %d messages, the file holds %d", h.Count, len(lines)-2)
	}
	s := Segment{First: h.First, Last: h.Last, Prev: h.Prev, PrevDigest: h.PrevDigest, Created: h.Created}
	for i, raw := range lines[1 : len(lines)-1] {
		var l line
		if err := json.Unmarshal(raw, &l); err != nil {
			return Segment{}, fmt.Errorf("message %d: %v", i, err)
		}
		s.Messages = append(s.Messages, transparency.Message{Seq: l.Seq, Subject: l.Subject, Stored: l.Stored, Header: nats.Header(l.Header), Data: l.Data})
	}
	var t trailer
	if err := json.Unmarshal(lines[len(lines)-1], &t); err != nil {
		return Segment{}, fmt.Errorf("trailer: %v", err)
	}
	s.Leaves, s.Checkpoint = t.Leaves, t.Checkpoint
	return s, nil
}

// leafHex is m's transparency leaf hash in hex.
func leafHex(m transparency.Message) string {
	h := transparency.MessageLeafHash(m)
	return hex.EncodeToString(h[:])
}

func digestHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
