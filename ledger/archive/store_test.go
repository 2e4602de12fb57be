package archive

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/tests3"
)

// tamperable is an archive a test can also change as someone with write
// access to its storage could: past the archive's write-once Put.
type tamperable interface {
	Store
	// copy is a new archive holding the same segments.
	copy(t *testing.T) tamperable
	remove(t *testing.T, name string)
	overwrite(t *testing.T, name string, body []byte)
}

type dirArchive Dir

func (d dirArchive) List(ctx context.Context) ([]string, error) { return Dir(d).List(ctx) }
func (d dirArchive) Get(ctx context.Context, name string) ([]byte, error) {
	return Dir(d).Get(ctx, name)
}
func (d dirArchive) Put(ctx context.Context, name string, body []byte) error {
	return Dir(d).Put(ctx, name, body)
}
func (d dirArchive) String() string { return string(d) }

func (d dirArchive) copy(t *testing.T) tamperable {
	to := filepath.Join(t.TempDir(), "archive")
	require.NoError(t, os.CopyFS(to, os.DirFS(string(d))))
	return dirArchive(to)
}

func (d dirArchive) remove(t *testing.T, name string) {
	require.NoError(t, os.Remove(filepath.Join(string(d), name)))
}

func (d dirArchive) overwrite(t *testing.T, name string, body []byte) {
	path := filepath.Join(string(d), name)
	require.NoError(t, os.Chmod(path, 0o600))
	require.NoError(t, os.WriteFile(path, body, 0o600))
}

type s3Archive struct {
	*S3
	srv *tests3.Server
}

var s3Prefixes atomic.Int64

// newS3Archive is an archive under prefix in a bucket of a fresh test
// server.
func newS3Archive(t *testing.T, prefix string) s3Archive {
	srv := tests3.Start(t, "coffer-archive")
	return s3Archive{S3: openS3(t, srv, prefix), srv: srv}
}

func openS3(t *testing.T, srv *tests3.Server, prefix string) *S3 {
	st, err := Open(context.Background(), "s3://"+srv.Bucket+"/"+prefix, S3Options{
		Endpoint: srv.Endpoint, PathStyle: true, Region: tests3.Region, AccessKey: tests3.AccessKey, SecretKey: tests3.SecretKey})
	require.NoError(t, err)
	return st.(*S3)
}

func (a s3Archive) copy(t *testing.T) tamperable {
	ctx := context.Background()
	to := s3Archive{S3: openS3(t, a.srv, fmt.Sprintf("copy-%d", s3Prefixes.Add(1))), srv: a.srv}
	names, err := a.List(ctx)
	require.NoError(t, err)
	for _, n := range names {
		b, err := a.Get(ctx, n)
		require.NoError(t, err)
		require.NoError(t, to.Put(ctx, n, b))
	}
	return to
}

func (a s3Archive) remove(t *testing.T, name string) { a.srv.Delete(t, a.key(name)) }

func (a s3Archive) overwrite(t *testing.T, name string, body []byte) {
	a.srv.Overwrite(t, a.key(name), body)
}

// TestStoresWriteOnce: a segment name is written once, on both stores;
// the S3 store's conditional PUT refuses an existing key by itself (the
// HEAD before it aside), and List sees only segments under the prefix.
func TestStoresWriteOnce(t *testing.T) {
	ctx := context.Background()
	a := newS3Archive(t, "p/q")
	for _, st := range []Store{Dir(filepath.Join(t.TempDir(), "a")), a} {
		t.Run(fmt.Sprintf("%T", st), func(t *testing.T) {
			names, err := st.List(ctx)
			require.NoError(t, err)
			require.Empty(t, names, "a new archive holds nothing")
			one, two := segmentName(1, 4), segmentName(5, 9)
			require.NoError(t, st.Put(ctx, two, []byte("second\n")))
			require.NoError(t, st.Put(ctx, one, []byte("first\n")))
			require.ErrorIs(t, st.Put(ctx, one, []byte("again\n")), ErrExists)
			b, err := st.Get(ctx, one)
			require.NoError(t, err)
			require.Equal(t, "first\n", string(b), "not overwritten")
			names, err = st.List(ctx)
			require.NoError(t, err)
			require.Equal(t, []string{one, two}, names, "oldest first")
		})
	}
	// The condition alone: the PUT with If-None-Match: * is refused.
	err := a.putNew(ctx, a.key(segmentName(1, 4)), []byte("again\n"))
	require.ErrorIs(t, err, ErrExists)
	// Objects beside the segments, or under a longer prefix, are not
	// listed; another prefix is another archive.
	_, err = a.srv.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(a.bucket), Key: aws.String("p/q/notes.txt"), Body: bytes.NewReader(nil)})
	require.NoError(t, err)
	_, err = a.srv.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(a.bucket), Key: aws.String("p/q/x/" + segmentName(10, 11)), Body: bytes.NewReader(nil)})
	require.NoError(t, err)
	names, err := a.List(ctx)
	require.NoError(t, err)
	require.Len(t, names, 2)
	other, err := openS3(t, a.srv, "p").List(ctx)
	require.NoError(t, err)
	require.Empty(t, other)
	require.Equal(t, "s3://coffer-archive/p/q", a.String())
}
