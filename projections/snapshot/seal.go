package snapshot

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cofferhq/coffer/ledger"
)

// A sealed snapshot is a header and a sequence of frames:
//
//	header: magic(8) | seq(8)
//	frame:  final(1) | length(4) | barrier-sealed chunk
//
// Each chunk of the tar archive is sealed by the barrier (AES-256-GCM,
// keyring term) with additional data naming the snapshot, its index, the
// frame's position and whether it is the last. So a frame cannot be
// altered, moved, dropped, replayed from another snapshot, and the archive
// cannot be cut short after a frame boundary without Open failing.
var magic = [8]byte{'C', 'O', 'F', 'S', 'N', 'A', 'P', '1'}

const (
	chunkSize = 1 << 20
	// maxFrame bounds a frame's declared length, so a corrupt length
	// cannot make the reader allocate gigabytes.
	maxFrame = chunkSize + 1024
)

func frameAAD(name string, seq, index uint64, final bool) []byte {
	aad := make([]byte, 0, 64)
	aad = append(aad, "coffer-projections-snapshot\x00"...)
	aad = append(aad, name...)
	aad = append(aad, 0)
	aad = binary.BigEndian.AppendUint64(aad, seq)
	aad = binary.BigEndian.AppendUint64(aad, index)
	if final {
		return append(aad, 1)
	}
	return append(aad, 0)
}

// sealWriter seals what is written to it in frames. It holds one chunk
// back, so Close can mark the last one final.
type sealWriter struct {
	w       io.Writer
	barrier *ledger.Barrier
	name    string
	seq     uint64
	index   uint64
	buf     []byte
}

func newSealWriter(w io.Writer, b *ledger.Barrier, name string, seq uint64) (*sealWriter, error) {
	var hdr [16]byte
	copy(hdr[:8], magic[:])
	binary.BigEndian.PutUint64(hdr[8:], seq)
	if _, err := w.Write(hdr[:]); err != nil {
		return nil, err
	}
	return &sealWriter{w: w, barrier: b, name: name, seq: seq, buf: make([]byte, 0, chunkSize)}, nil
}

func (s *sealWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(s.buf) == chunkSize {
			if err := s.frame(false); err != nil {
				return 0, err
			}
		}
		k := min(chunkSize-len(s.buf), len(p))
		s.buf = append(s.buf, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

func (s *sealWriter) frame(final bool) error {
	sealed := s.barrier.Seal(frameAAD(s.name, s.seq, s.index, final), s.buf)
	var hdr [5]byte
	if final {
		hdr[0] = 1
	}
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(sealed)))
	if _, err := s.w.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := s.w.Write(sealed); err != nil {
		return err
	}
	s.index++
	s.buf = s.buf[:0]
	return nil
}

// Close writes the last frame.
func (s *sealWriter) Close() error { return s.frame(true) }

// openReader reads what sealWriter wrote, refusing a snapshot whose
// header, frames or order were altered, or whose last frame is missing.
type openReader struct {
	r       *bufio.Reader
	barrier *ledger.Barrier
	name    string
	seq     uint64
	index   uint64
	buf     []byte
	done    bool
}

func newOpenReader(r io.Reader, b *ledger.Barrier, name string, wantSeq uint64) (*openReader, error) {
	br := bufio.NewReader(r)
	var hdr [16]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if [8]byte(hdr[:8]) != magic {
		return nil, fmt.Errorf("%w: not a sealed snapshot", ErrCorrupt)
	}
	if seq := binary.BigEndian.Uint64(hdr[8:]); seq != wantSeq {
		return nil, fmt.Errorf("%w: header says index %d, the record %d", ErrCorrupt, seq, wantSeq)
	}
	return &openReader{r: br, barrier: b, name: name, seq: wantSeq}, nil
}

func (o *openReader) Read(p []byte) (int, error) {
	for len(o.buf) == 0 {
		if o.done {
			return 0, io.EOF
		}
		if err := o.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, o.buf)
	o.buf = o.buf[n:]
	return n, nil
}

func (o *openReader) next() error {
	var hdr [5]byte
	if _, err := io.ReadFull(o.r, hdr[:]); err != nil {
		return fmt.Errorf("%w: frame %d: %v (cut short?)", ErrCorrupt, o.index, err)
	}
	final := hdr[0] == 1
	n := binary.BigEndian.Uint32(hdr[1:])
	if hdr[0] > 1 || n > maxFrame {
		return fmt.Errorf("%w: frame %d header", ErrCorrupt, o.index)
	}
	sealed := make([]byte, n)
	if _, err := io.ReadFull(o.r, sealed); err != nil {
		return fmt.Errorf("%w: frame %d: %v", ErrCorrupt, o.index, err)
	}
	pt, err := o.barrier.Open(frameAAD(o.name, o.seq, o.index, final), sealed)
	if err != nil {
		return fmt.Errorf("%w: frame %d: %v", ErrCorrupt, o.index, err)
	}
	o.index++
	o.buf = pt
	if final {
		o.done = true
		if _, err := o.r.ReadByte(); !errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: bytes after the last frame", ErrCorrupt)
		}
	}
	return nil
}
