package tests3

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Fixed test credentials and region (the server does not check them).
const (
	AccessKey = "coffer-test-access"
	SecretKey = "coffer-test-secret"
	Region    = "us-east-1"
)

// Server is a running S3 server with one empty bucket.
type Server struct {
	// Endpoint is the server's URL (path-style addressing).
	Endpoint string
	// Bucket exists and is empty.
	Bucket string
}

// Start starts a server with an empty bucket named bucket; it stops when
// the test ends. With COFFER_S3_WEED set to a SeaweedFS `weed` binary,
// the server is that (see weed.go); otherwise gofakes3.
func Start(t testing.TB, bucket string) *Server {
	t.Helper()
	if weed := os.Getenv(WeedEnv); weed != "" {
		return startWeed(t, weed, bucket)
	}
	be := s3mem.New()
	if err := be.CreateBucket(bucket); err != nil {
		t.Fatalf("tests3: create bucket: %v", err)
	}
	srv := httptest.NewServer(gofakes3.New(be).Server()) // 127.0.0.1, a free port
	t.Cleanup(srv.Close)
	return &Server{Endpoint: srv.URL, Bucket: bucket}
}

// Client is a plain S3 client of the server: what a test uses to act as
// someone with write access to the bucket (delete or overwrite objects).
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region: Region, BaseEndpoint: aws.String(s.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// Delete removes an object, as an attacker with write access could.
func (s *Server) Delete(t testing.TB, key string) {
	t.Helper()
	if _, err := s.Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("tests3: delete %s: %v", key, err)
	}
}

// Overwrite replaces an object's bytes, as an attacker with write access
// could: deleted and put again, so that the server keeps no checksum of
// the old bytes (gofakes3 would otherwise answer with it, and the SDK
// refuse the read before the archive's own checks see the bytes).
func (s *Server) Overwrite(t testing.TB, key string, body []byte) {
	t.Helper()
	s.Delete(t, key)
	if _, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("tests3: put %s: %v", key, err)
	}
}
