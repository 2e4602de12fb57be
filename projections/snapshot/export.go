package snapshot

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Export writes a stored snapshot as `vault operator raft snapshot save`
// expects one: a gzip'd tar whose last file is SHA256SUMS.sealed. It holds
// meta.json (the snapshot's name, ledger index, record index and digest,
// and the ledger's last index at export: no secret), projections.sealed
// (the sealed snapshot itself, as stored), SHA256SUMS over both, and that
// list sealed by the barrier. The ledger is not in it: the ledger's own
// backup is JetStream's stream snapshot.
func (s *Store) Export(ctx context.Context, info Info, w io.Writer) error {
	if _, err := s.verifyRecord(ctx, info); err != nil {
		return err
	}
	barrier, err := s.l.UnsealedBarrier()
	if err != nil {
		return err
	}
	last, err := s.l.LastSeq(ctx)
	if err != nil {
		return err
	}
	meta, err := json.MarshalIndent(map[string]any{
		"format": "coffer-projections-snapshot-1", "name": info.Name, "index": info.Seq, "record_index": info.RecordSeq,
		"digest": info.Digest, "size": info.Size, "node": info.Node, "ledger_last_index": last,
	}, "", "  ")
	if err != nil {
		return err
	}
	obj, err := s.obj.Get(ctx, info.Name)
	if err != nil {
		return fmt.Errorf("snapshot: fetch %s: %w", info.Name, err)
	}
	defer obj.Close()
	oi, err := obj.Info()
	if err != nil {
		return fmt.Errorf("snapshot: fetch %s: %w", info.Name, err)
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	now := time.Now()
	add := func(name string, size int64, r io.Reader) (string, error) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: now, Typeflag: tar.TypeReg}); err != nil {
			return "", err
		}
		h := sha256.New()
		if _, err := io.Copy(io.MultiWriter(tw, h), r); err != nil {
			return "", err
		}
		return fmt.Sprintf("%x  %s\n", h.Sum(nil), name), nil
	}
	sumMeta, err := add("meta.json", int64(len(meta)), bytes.NewReader(meta))
	if err != nil {
		return fmt.Errorf("snapshot: export: %w", err)
	}
	sumSnap, err := add("projections.sealed", int64(oi.Size), obj)
	if err != nil {
		return fmt.Errorf("snapshot: export: %w", err)
	}
	sums := []byte(sumMeta + sumSnap)
	if _, err := add("SHA256SUMS", int64(len(sums)), bytes.NewReader(sums)); err != nil {
		return fmt.Errorf("snapshot: export: %w", err)
	}
	sealed := barrier.Seal([]byte("coffer-snapshot-sums\x00"+info.Name), sums)
	if _, err := add("SHA256SUMS.sealed", int64(len(sealed)), bytes.NewReader(sealed)); err != nil {
		return fmt.Errorf("snapshot: export: %w", err)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// Latest returns the newest stored snapshot, or ErrEmpty.
func (s *Store) Latest(ctx context.Context) (Info, error) {
	list, err := s.List(ctx)
	if err != nil {
		return Info{}, err
	}
	if len(list) == 0 {
		return Info{}, ErrEmpty
	}
	return list[0], nil
}
