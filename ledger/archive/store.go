package archive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Store is where segments are kept: a directory (Dir) or an S3 bucket
// (S3). The archiver, Reader and Verify work on either. A segment is
// written once and never replaced; a store holds nothing but segments'
// bytes (sealed messages, leaves, checkpoints).
type Store interface {
	// List returns the names of the segments held, oldest first.
	List(ctx context.Context) ([]string, error)
	// Get returns one segment's bytes.
	Get(ctx context.Context, name string) ([]byte, error)
	// Put stores a new segment; ErrExists when the name is taken.
	Put(ctx context.Context, name string, body []byte) error
	// String says where the store is (a path, s3://bucket/prefix).
	String() string
}

// Open returns the store at location: "s3://bucket[/prefix]" is an S3
// bucket (o says how to reach it), anything else a directory.
func Open(ctx context.Context, location string, o S3Options) (Store, error) {
	if rest, ok := strings.CutPrefix(location, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		return NewS3(ctx, bucket, prefix, o)
	}
	if location == "" {
		return nil, fmt.Errorf("%w: no location", ErrStore)
	}
	return Dir(location), nil
}

// IsS3 reports whether location names an S3 bucket (Open).
func IsS3(location string) bool { return strings.HasPrefix(location, "s3://") }

// ErrStore reports an archive location that cannot be used.
var ErrStore = errors.New("archive: bad archive location")

// sortSegments keeps the segment names of names, sorted (names sort as
// the segments do).
func sortSegments(names []string) []string {
	out := names[:0]
	for _, n := range names {
		if _, _, ok := parseName(n); ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Dir is a directory of segment files. A missing directory holds none.
type Dir string

func (d Dir) String() string { return string(d) }

// List returns the segment files in the directory.
func (d Dir) List(context.Context) ([]string, error) {
	ents, err := os.ReadDir(string(d))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	return sortSegments(out), nil
}

// Get reads one segment file.
func (d Dir) Get(_ context.Context, name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(string(d), name))
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return b, nil
}

// Put writes a segment file: a temporary file, fsynced, linked into
// place (which fails when the name exists, so a segment is never
// replaced), the directory fsynced; mode 0400.
func (d Dir) Put(_ context.Context, name string, body []byte) error {
	dir := string(d)
	path := filepath.Join(dir, name)
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, name)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-"+name+"-*")
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(body); err != nil {
		f.Close()
		return fmt.Errorf("archive: write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("archive: sync %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if err := os.Chmod(tmp, 0o400); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if err := os.Link(tmp, path); err != nil { // fails if it exists
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%w: %s", ErrExists, name)
		}
		return fmt.Errorf("archive: %w", err)
	}
	df, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer df.Close()
	if err := df.Sync(); err != nil {
		return fmt.Errorf("archive: sync %s: %w", dir, err)
	}
	return nil
}
