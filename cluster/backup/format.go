package backup

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"
)

// Errors of reading a backup and of restoring one.
var (
	// ErrTruncated reports a backup that ends before its trailer.
	ErrTruncated = errors.New("backup: the file is truncated (no trailer): it was cut short while saved or copied")
	// ErrCorrupt reports a backup whose framing or digests do not check
	// out.
	ErrCorrupt = errors.New("backup: the file is corrupt")
	// ErrNotEmpty reports a restore into a deployment that holds data.
	ErrNotEmpty = errors.New("backup: restore refused: the deployment already holds data")
	// ErrTooLarge reports a backup past the size a restore reads.
	ErrTooLarge = errors.New("backup: the backup is larger than the restore accepts")
)

// magic opens every backup file.
const magic = "COFFER-LEDGER-BACKUP\n"

// formatVersion is the file layout's version, in the header.
const formatVersion = 1

// Record kinds.
const (
	kindHeader  = 'H'
	kindStream  = 'S'
	kindChunk   = 'C'
	kindEnd     = 'E'
	kindTrailer = 'Z'
)

// maxRecord bounds one record: JetStream sends chunks of at most 1 MiB
// and the JSON records are small, so anything larger is not ours and is
// refused before it is read into memory.
const maxRecord = 4 << 20

// Header is the backup's first record.
type Header struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
	// Node is the node that took the backup.
	Node string `json:"node,omitempty"`
	// Streams are the streams in the backup, in order.
	Streams []string `json:"streams"`
}

// StreamInfo describes one stream in a backup: JetStream's config and
// state as its snapshot response gave them, kept as sent so a restore
// hands the server back exactly what it described.
type StreamInfo struct {
	Name   string          `json:"name"`
	Config json.RawMessage `json:"config"`
	State  json.RawMessage `json:"state"`
	// Bytes and SHA256 are the stream snapshot's size and digest (from
	// its end record).
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// streamEnd is an end record.
type streamEnd struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Manifest is what a backup holds, once read or written whole.
type Manifest struct {
	Header  Header       `json:"header"`
	Streams []StreamInfo `json:"streams"`
}

// Stream returns the named stream's description.
func (m Manifest) Stream(name string) (StreamInfo, bool) {
	for _, s := range m.Streams {
		if s.Name == name {
			return s, true
		}
	}
	return StreamInfo{}, false
}

// streamState is what a backup reads of JetStream's stream state.
type streamState struct {
	Msgs    uint64 `json:"messages"`
	LastSeq uint64 `json:"last_seq"`
}

func (s StreamInfo) state() streamState {
	var st streamState
	_ = json.Unmarshal(s.State, &st)
	return st
}

// LastSeq is the stream's last sequence as its state recorded it.
func (s StreamInfo) LastSeq() uint64 { return s.state().LastSeq }

// Messages is the stream's message count as its state recorded it.
func (s StreamInfo) Messages() uint64 { return s.state().Msgs }

// writer writes records, hashing every byte for the trailer.
type writer struct {
	w   io.Writer
	sum hash.Hash
	err error
}

func newWriter(w io.Writer) *writer {
	bw := &writer{w: w, sum: sha256.New()}
	bw.raw([]byte(magic))
	return bw
}

func (w *writer) raw(p []byte) {
	if w.err != nil {
		return
	}
	w.sum.Write(p)
	_, w.err = w.w.Write(p)
}

func (w *writer) record(kind byte, payload []byte) error {
	var head [5]byte
	head[0] = kind
	binary.BigEndian.PutUint32(head[1:], uint32(len(payload)))
	w.raw(head[:])
	w.raw(payload)
	if w.err != nil {
		return fmt.Errorf("backup: write: %w", w.err)
	}
	return nil
}

func (w *writer) json(kind byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("backup: encode: %w", err)
	}
	return w.record(kind, b)
}

// trailer writes the digest of everything written so far.
func (w *writer) trailer() error {
	return w.record(kindTrailer, w.sum.Sum(nil))
}

// reader reads records, checking the framing as it goes and the trailer's
// digest at the end.
type reader struct {
	r   io.Reader
	sum hash.Hash
	// read counts bytes read, for messages.
	read int64
}

func newReader(r io.Reader) (*reader, error) {
	br := &reader{r: r, sum: sha256.New()}
	var m [len(magic)]byte
	if err := br.full(m[:]); err != nil {
		if errors.Is(err, ErrTruncated) {
			return nil, fmt.Errorf("%w: not a Coffer ledger backup (too short)", ErrCorrupt)
		}
		return nil, err
	}
	if string(m[:]) != magic {
		return nil, fmt.Errorf("%w: not a Coffer ledger backup (no %q at its start)", ErrCorrupt, magic[:len(magic)-1])
	}
	return br, nil
}

func (r *reader) full(p []byte) error {
	n, err := io.ReadFull(r.r, p)
	r.read += int64(n)
	r.sum.Write(p[:n])
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w (after %d bytes)", ErrTruncated, r.read)
	}
	if errors.Is(err, ErrTooLarge) {
		return err
	}
	if err != nil {
		return fmt.Errorf("backup: read: %w", err)
	}
	return nil
}

// next reads one record. The trailer is checked here: its payload must
// be the digest of every byte before it, and nothing may follow it.
func (r *reader) next() (byte, []byte, error) {
	before := r.sum.Sum(nil)
	var head [5]byte
	if err := r.full(head[:]); err != nil {
		return 0, nil, err
	}
	kind, n := head[0], binary.BigEndian.Uint32(head[1:])
	switch kind {
	case kindHeader, kindStream, kindChunk, kindEnd, kindTrailer:
	default:
		return 0, nil, fmt.Errorf("%w: unknown record %q at byte %d", ErrCorrupt, kind, r.read-5)
	}
	if n > maxRecord {
		return 0, nil, fmt.Errorf("%w: a record of %d bytes at byte %d (at most %d)", ErrCorrupt, n, r.read-5, maxRecord)
	}
	payload := make([]byte, n)
	if err := r.full(payload); err != nil {
		return 0, nil, err
	}
	if kind != kindTrailer {
		return kind, payload, nil
	}
	if !bytes.Equal(payload, before) {
		return 0, nil, fmt.Errorf("%w: the trailer's digest does not match the file's contents", ErrCorrupt)
	}
	var extra [1]byte
	if m, _ := io.ReadFull(r.r, extra[:]); m != 0 {
		return 0, nil, fmt.Errorf("%w: data after the trailer", ErrCorrupt)
	}
	return kind, payload, nil
}

// visitor receives a backup's records in order, checked: a stream's
// chunks go to chunk, and end is called only once the stream's digest
// matched.
type visitor struct {
	header func(Header) error
	start  func(StreamInfo) error
	chunk  func([]byte) error
	end    func(StreamInfo) error
}

// walk reads a whole backup, checking its order, every stream's digest
// and the trailer, and calls v along the way. It returns the manifest
// once the trailer checked out.
func walk(r io.Reader, v visitor) (Manifest, error) {
	var m Manifest
	br, err := newReader(r)
	if err != nil {
		return m, err
	}
	kind, p, err := br.next()
	if err != nil {
		return m, err
	}
	if kind != kindHeader {
		return m, fmt.Errorf("%w: no header", ErrCorrupt)
	}
	if err := json.Unmarshal(p, &m.Header); err != nil {
		return m, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if m.Header.Format != formatVersion {
		return m, fmt.Errorf("%w: format %d, this build reads %d", ErrCorrupt, m.Header.Format, formatVersion)
	}
	if v.header != nil {
		if err := v.header(m.Header); err != nil {
			return m, err
		}
	}
	var cur *StreamInfo
	var sum hash.Hash
	for {
		kind, p, err := br.next()
		if err != nil {
			return m, err
		}
		switch {
		case kind == kindStream && cur == nil:
			cur = &StreamInfo{}
			if err := json.Unmarshal(p, cur); err != nil || cur.Name == "" {
				return m, fmt.Errorf("%w: stream record: %v", ErrCorrupt, err)
			}
			sum = sha256.New()
			if v.start != nil {
				if err := v.start(*cur); err != nil {
					return m, err
				}
			}
		case kind == kindChunk && cur != nil:
			sum.Write(p)
			cur.Bytes += int64(len(p))
			if v.chunk != nil {
				if err := v.chunk(p); err != nil {
					return m, err
				}
			}
		case kind == kindEnd && cur != nil:
			var e streamEnd
			if err := json.Unmarshal(p, &e); err != nil {
				return m, fmt.Errorf("%w: end record: %v", ErrCorrupt, err)
			}
			cur.SHA256 = fmt.Sprintf("%x", sum.Sum(nil))
			if e.Name != cur.Name || e.Bytes != cur.Bytes || e.SHA256 != cur.SHA256 {
				return m, fmt.Errorf("%w: stream %s: its snapshot does not match its recorded size and digest", ErrCorrupt, cur.Name)
			}
			if v.end != nil {
				if err := v.end(*cur); err != nil {
					return m, err
				}
			}
			m.Streams = append(m.Streams, *cur)
			cur = nil
		case kind == kindTrailer && cur == nil:
			if len(m.Streams) != len(m.Header.Streams) {
				return m, fmt.Errorf("%w: the header lists %d streams, the file holds %d", ErrCorrupt, len(m.Header.Streams), len(m.Streams))
			}
			for i, s := range m.Streams {
				if s.Name != m.Header.Streams[i] {
					return m, fmt.Errorf("%w: stream %d is %s, the header says %s", ErrCorrupt, i, s.Name, m.Header.Streams[i])
				}
			}
			return m, nil
		default:
			return m, fmt.Errorf("%w: record %q out of place at byte %d", ErrCorrupt, kind, br.read)
		}
	}
}

// Check reads a whole backup and checks its framing, every stream's
// digest and the trailer, without restoring anything.
func Check(r io.Reader) (Manifest, error) {
	return walk(r, visitor{})
}
