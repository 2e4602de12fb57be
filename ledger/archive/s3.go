package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3Options say how to reach an S3 archive. Empty fields come from the
// AWS SDK's default chain (AWS_REGION, AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_S3, shared config and
// credentials files, instance and container roles).
type S3Options struct {
	// Endpoint is an S3-compatible server's URL (http://127.0.0.1:9000);
	// empty is AWS.
	Endpoint string
	// Region is the bucket's region; with an Endpoint and no region from
	// anywhere, us-east-1 (what S3-compatible servers accept).
	Region string
	// PathStyle addresses the bucket in the path (endpoint/bucket/key)
	// rather than the host name, as most S3-compatible servers need.
	PathStyle bool
	// AccessKey, SecretKey and SessionToken are static credentials; empty,
	// the default chain's are used.
	AccessKey, SecretKey, SessionToken string
}

// S3 is an archive in an S3 bucket: one object per segment, named
// <prefix>/<segment name>, holding the segment's bytes as a Dir holds
// them (sealed messages, leaves, a checkpoint: nothing in clear).
//
// Objects are written once. Put sends If-None-Match: * (S3's conditional
// write: the PUT fails with 412 when the key exists), and before it asks
// HEAD for the key, so that a server that ignores the condition (some
// S3-compatible ones do) still does not overwrite a segment, short of two
// archivers racing on one name (the archiver is a singleton).
type S3 struct {
	c              *s3.Client
	bucket, prefix string
}

// NewS3 returns the archive in bucket under prefix.
func NewS3(ctx context.Context, bucket, prefix string, o S3Options) (*S3, error) {
	if bucket == "" {
		return nil, fmt.Errorf("%w: an S3 archive needs a bucket (s3://bucket/prefix)", ErrStore)
	}
	var load []func(*awsconfig.LoadOptions) error
	if o.Region != "" {
		load = append(load, awsconfig.WithRegion(o.Region))
	}
	if o.AccessKey != "" || o.SecretKey != "" {
		load = append(load, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(o.AccessKey, o.SecretKey, o.SessionToken)))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("archive: s3 config: %w", err)
	}
	if cfg.Region == "" && o.Endpoint != "" {
		cfg.Region = "us-east-1"
	}
	c := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
		so.UsePathStyle = o.PathStyle
	})
	return &S3{c: c, bucket: bucket, prefix: strings.Trim(prefix, "/")}, nil
}

func (s *S3) String() string { return "s3://" + path.Join(s.bucket, s.prefix) }

func (s *S3) key(name string) string {
	if s.prefix == "" {
		return name
	}
	return s.prefix + "/" + name
}

// List lists the objects under the prefix (one level: segments only).
func (s *S3) List(ctx context.Context) ([]string, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Delimiter: aws.String("/")}
	if s.prefix != "" {
		in.Prefix = aws.String(s.prefix + "/")
	}
	var out []string
	p := s3.NewListObjectsV2Paginator(s.c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("archive: list %s: %w", s, err)
		}
		for _, o := range page.Contents {
			out = append(out, path.Base(aws.ToString(o.Key)))
		}
	}
	return sortSegments(out), nil
}

// Get reads one segment object.
func (s *S3) Get(ctx context.Context, name string) ([]byte, error) {
	o, err := s.c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(name))})
	if err != nil {
		return nil, fmt.Errorf("archive: get %s/%s: %w", s, name, err)
	}
	defer o.Body.Close()
	b, err := io.ReadAll(o.Body)
	if err != nil {
		return nil, fmt.Errorf("archive: get %s/%s: %w", s, name, err)
	}
	return b, nil
}

// Put writes a segment object once (see S3).
func (s *S3) Put(ctx context.Context, name string, body []byte) error {
	key := aws.String(s.key(name))
	_, err := s.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: key})
	switch {
	case err == nil:
		return fmt.Errorf("%w: %s/%s", ErrExists, s, name)
	case httpStatus(err) != http.StatusNotFound:
		return fmt.Errorf("archive: head %s/%s: %w", s, name, err)
	}
	return s.putNew(ctx, *key, body)
}

// putNew is the conditional PUT: refused (ErrExists) when key exists.
func (s *S3) putNew(ctx context.Context, key string, body []byte) error {
	_, err := s.c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("application/x-ndjson"),
		IfNoneMatch: aws.String("*"),
	})
	name := path.Base(key)
	var api smithy.APIError
	switch {
	case err == nil:
		return nil
	case httpStatus(err) == http.StatusPreconditionFailed,
		errors.As(err, &api) && api.ErrorCode() == "PreconditionFailed":
		return fmt.Errorf("%w: %s/%s", ErrExists, s, name)
	default:
		// 409 ConditionalRequestConflict (a concurrent write of the key)
		// lands here too: the archiver retries, and then meets the key.
		return fmt.Errorf("archive: put %s/%s: %w", s, name, err)
	}
}

// httpStatus is the HTTP status of an S3 call's failure, or 0.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
