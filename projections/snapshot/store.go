package snapshot

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cofferhq/coffer/events/snapshotevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Errors.
var (
	// ErrCorrupt reports a snapshot whose bytes do not open: altered,
	// cut short, or sealed for another snapshot.
	ErrCorrupt = errors.New("snapshot: corrupt snapshot")
	// ErrUnverified reports a snapshot the ledger holds no matching
	// record of.
	ErrUnverified = errors.New("snapshot: not recorded in the ledger")
	// ErrNone reports that no stored snapshot could be used.
	ErrNone = errors.New("snapshot: no usable snapshot")
	// ErrEmpty is ErrNone when no snapshot is stored at all.
	ErrEmpty = fmt.Errorf("%w: none is stored", ErrNone)
)

// Defaults.
const (
	DefaultBucket = "COFFER_SNAPSHOTS"
	DefaultKeep   = 3
)

// Object metadata keys. The ledger record is the authority; the metadata
// only says where to find it.
const (
	metaSeq       = "coffer-seq"
	metaRecordSeq = "coffer-record-seq"
	metaDigest    = "coffer-digest"
	metaNode      = "coffer-node"
)

// Options configure a Store.
type Options struct {
	// Bucket is the object store bucket (DefaultBucket).
	Bucket string
	// Replicas of the bucket (the ledger's).
	Replicas int
	// Keep is how many snapshots are kept (DefaultKeep).
	Keep int
	// NodeID names this node in the records it appends.
	NodeID string
	// TempDir holds a snapshot while it is being taken (sealed bytes
	// only, plus the pebble checkpoint it is made from, which is no more
	// plaintext than the projections beside it).
	TempDir string
	Log     *slog.Logger
}

// Store keeps sealed snapshots of the read models in a JetStream object
// store, beside the ledger and replicated like it.
type Store struct {
	l   *ledger.Store
	obj jetstream.ObjectStore
	o   Options
}

// Info describes one stored snapshot.
type Info struct {
	// Name is the object's name: projections-<seq, 20 digits>.
	Name string
	// Seq is the ledger index the read models reflect; RecordSeq the
	// ledger index of the projections.snapshot_taken record.
	Seq, RecordSeq uint64
	// Digest is "sha256:<hex>" of the sealed bytes.
	Digest string
	Size   int64
	Taken  time.Time
	Node   string
}

// Data is the info as an API response's data.
func (i Info) Data() map[string]any {
	return map[string]any{
		"name": i.Name, "index": i.Seq, "record_index": i.RecordSeq, "digest": i.Digest,
		"size": i.Size, "taken": i.Taken.UTC().Format(time.RFC3339Nano), "node": i.Node,
	}
}

// Open creates (or binds to) the snapshot bucket.
func Open(ctx context.Context, l *ledger.Store, o Options) (*Store, error) {
	o.Bucket = cmp.Or(o.Bucket, DefaultBucket)
	o.Keep = cmp.Or(o.Keep, DefaultKeep)
	if o.Log == nil {
		o.Log = slog.Default()
	}
	obj, err := l.JetStream().CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: o.Bucket, Description: "Coffer sealed projection snapshots",
		Storage: jetstream.FileStorage, Replicas: max(o.Replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot: bucket: %w", err)
	}
	return &Store{l: l, obj: obj, o: o}, nil
}

func objectName(seq uint64) string { return fmt.Sprintf("projections-%020d", seq) }

// List returns the stored snapshots, newest first. An object without
// readable metadata is listed last with Seq 0, so a restore skips it.
func (s *Store) List(ctx context.Context) ([]Info, error) {
	objs, err := s.obj.List(ctx)
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot: list: %w", err)
	}
	out := make([]Info, 0, len(objs))
	for _, o := range objs {
		out = append(out, infoOf(o))
	}
	slices.SortFunc(out, func(a, b Info) int { return cmp.Compare(b.Seq, a.Seq) })
	return out, nil
}

func infoOf(o *jetstream.ObjectInfo) Info {
	seq, _ := strconv.ParseUint(o.Metadata[metaSeq], 10, 64)
	rec, _ := strconv.ParseUint(o.Metadata[metaRecordSeq], 10, 64)
	return Info{Name: o.Name, Seq: seq, RecordSeq: rec, Digest: o.Metadata[metaDigest], Size: int64(o.Size), Taken: o.ModTime, Node: o.Metadata[metaNode]}
}

// Take snapshots proj: a pebble checkpoint, archived and sealed into a
// temporary file while its digest is computed, recorded in the ledger,
// then stored in the bucket; older snapshots beyond Keep are deleted.
// When a snapshot at the same index is stored already, it is returned.
func (s *Store) Take(ctx context.Context, proj *projections.Store) (Info, error) {
	barrier, err := s.l.UnsealedBarrier()
	if err != nil {
		return Info{}, err
	}
	w := s.l.Writer()
	if w == nil {
		return Info{}, ledger.ErrSealed
	}
	tmp, err := os.MkdirTemp(s.o.TempDir, "snapshot-")
	if err != nil {
		return Info{}, fmt.Errorf("snapshot: temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	seq, err := proj.Checkpoint(filepath.Join(tmp, "db"))
	if err != nil {
		return Info{}, err
	}
	name := objectName(seq)
	if o, err := s.obj.GetInfo(ctx, name); err == nil {
		return infoOf(o), nil
	}
	sealed, err := os.OpenFile(filepath.Join(tmp, "sealed"), os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return Info{}, fmt.Errorf("snapshot: %w", err)
	}
	defer sealed.Close()
	h := sha256.New()
	size, err := seal(io.MultiWriter(sealed, h), barrier, name, seq, filepath.Join(tmp, "db"))
	if err != nil {
		return Info{}, err
	}
	info := Info{Name: name, Seq: seq, Digest: digestOf(h), Size: size, Node: s.o.NodeID}
	ev := ledger.MakeEvent(snapshotevent.EventTaken, snapshotevent.Taken{Name: name, Seq: seq, Digest: info.Digest, Size: size, Node: s.o.NodeID})
	ev.Actor = "system"
	if info.RecordSeq, err = w.Append(ctx, ev); err != nil {
		return Info{}, fmt.Errorf("snapshot: record: %w", err)
	}
	if _, err := sealed.Seek(0, io.SeekStart); err != nil {
		return Info{}, err
	}
	o, err := putObject(ctx, s.obj, jetstream.ObjectMeta{Name: name, Metadata: map[string]string{
		metaSeq: strconv.FormatUint(seq, 10), metaRecordSeq: strconv.FormatUint(info.RecordSeq, 10),
		metaDigest: info.Digest, metaNode: s.o.NodeID,
	}}, bufio.NewReaderSize(sealed, chunkSize))
	if err != nil {
		return Info{}, fmt.Errorf("snapshot: store %s: %w", name, err)
	}
	info.Taken = o.ModTime
	s.prune(ctx)
	return info, nil
}

// seal writes the sealed archive of the checkpoint in dir and returns its
// length.
func seal(w io.Writer, b *ledger.Barrier, name string, seq uint64, dir string) (int64, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, chunkSize)
	sw, err := newSealWriter(bw, b, name, seq)
	if err != nil {
		return 0, err
	}
	if err := writeTar(sw, dir); err != nil {
		return 0, err
	}
	if err := sw.Close(); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("snapshot: write: %w", err)
	}
	return cw.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func digestOf(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }

// prune deletes the snapshots beyond Keep, oldest first. A failure only
// costs space, so it is logged.
func (s *Store) prune(ctx context.Context) {
	list, err := s.List(ctx)
	if err != nil {
		s.o.Log.Warn("snapshot: prune", "err", err)
		return
	}
	for _, old := range list[min(s.o.Keep, len(list)):] {
		if err := s.obj.Delete(ctx, old.Name); err != nil {
			s.o.Log.Warn("snapshot: prune", "name", old.Name, "err", err)
		}
	}
}

// Restore installs the newest usable snapshot as a fresh projections
// directory dir (which must not exist) and returns it. A snapshot is
// usable when the ledger holds its record (same name, index and digest),
// its bytes hash to that digest, every frame opens, and the extracted
// store reports the recorded index. An unusable one is logged and the
// next older tried; when none is, Restore returns ErrNone and dir does not
// exist, so the node replays the whole ledger.
func (s *Store) Restore(ctx context.Context, dir string) (Info, error) {
	list, err := s.List(ctx)
	if err != nil {
		return Info{}, err
	}
	var last error
	for _, info := range list {
		err := s.restore(ctx, info, dir)
		if err == nil {
			return info, nil
		}
		s.o.Log.Warn("snapshot: skipping an unusable snapshot", "name", info.Name, "index", info.Seq, "err", err)
		last = err
	}
	if last == nil {
		return Info{}, ErrEmpty
	}
	return Info{}, fmt.Errorf("%w: last refusal: %w", ErrNone, last)
}

func (s *Store) restore(ctx context.Context, info Info, dir string) error {
	want, err := s.verifyRecord(ctx, info)
	if err != nil {
		return err
	}
	barrier, err := s.l.UnsealedBarrier()
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.restore-%s", dir, ledger.NewID()[:8])
	defer os.RemoveAll(tmp)
	h := sha256.New()
	if err := s.extract(ctx, info, barrier, io.Writer(h), tmp); err != nil {
		return err
	}
	if got := digestOf(h); got != want.Digest {
		return fmt.Errorf("%w: digest %s, recorded %s", ErrCorrupt, got, want.Digest)
	}
	applied, err := projections.ReadAppliedSeq(tmp)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if applied != want.Seq {
		return fmt.Errorf("%w: the store reflects index %d, the record says %d", ErrCorrupt, applied, want.Seq)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("snapshot: install: %w", err)
	}
	return nil
}

// verifyRecord reads the ledger message the object's metadata points at
// and returns the snapshot record in it that names the object.
func (s *Store) verifyRecord(ctx context.Context, info Info) (snapshotevent.Taken, error) {
	if info.RecordSeq == 0 {
		return snapshotevent.Taken{}, fmt.Errorf("%w: %s has no record index", ErrUnverified, info.Name)
	}
	m, err := s.l.Get(ctx, info.RecordSeq)
	if err != nil {
		return snapshotevent.Taken{}, fmt.Errorf("%w: %v", ErrUnverified, err)
	}
	recs, err := s.l.Decode(m)
	if err != nil {
		return snapshotevent.Taken{}, fmt.Errorf("%w: %v", ErrUnverified, err)
	}
	for _, r := range recs {
		if r.Type != snapshotevent.EventTaken {
			continue
		}
		var t snapshotevent.Taken
		if json.Unmarshal(r.Data, &t) == nil && t.Name == info.Name {
			if t.Seq != info.Seq || t.Digest != info.Digest {
				return t, fmt.Errorf("%w: %s: the record says index %d digest %s", ErrUnverified, info.Name, t.Seq, t.Digest)
			}
			return t, nil
		}
	}
	return snapshotevent.Taken{}, fmt.Errorf("%w: ledger index %d holds no record of %s", ErrUnverified, info.RecordSeq, info.Name)
}

// extract streams the object through the digest and the frame opener
// into the archive reader, and reads to the last frame, so every byte is
// both hashed and authenticated before the caller installs dir.
func (s *Store) extract(ctx context.Context, info Info, b *ledger.Barrier, h io.Writer, dir string) error {
	obj, err := s.obj.Get(ctx, info.Name)
	if err != nil {
		return fmt.Errorf("snapshot: fetch %s: %w", info.Name, err)
	}
	defer obj.Close()
	or, err := newOpenReader(io.TeeReader(obj, h), b, info.Name, info.Seq)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := readTar(or, dir); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, or); err != nil {
		return err
	}
	return nil
}

// WriteTo copies the named snapshot's sealed bytes to w (the newest when
// name is empty) after checking its record, and returns its info.
func (s *Store) WriteTo(ctx context.Context, name string, w io.Writer) (Info, error) {
	var info Info
	if name == "" {
		list, err := s.List(ctx)
		if err != nil {
			return Info{}, err
		}
		if len(list) == 0 {
			return Info{}, ErrEmpty
		}
		info = list[0]
	} else {
		o, err := s.obj.GetInfo(ctx, name)
		if err != nil {
			return Info{}, fmt.Errorf("%w: %s: %v", ErrNone, name, err)
		}
		info = infoOf(o)
	}
	if _, err := s.verifyRecord(ctx, info); err != nil {
		return info, err
	}
	obj, err := s.obj.Get(ctx, info.Name)
	if err != nil {
		return info, fmt.Errorf("snapshot: fetch %s: %w", info.Name, err)
	}
	defer obj.Close()
	_, err = io.Copy(w, obj)
	return info, err
}
