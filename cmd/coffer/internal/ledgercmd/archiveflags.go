package ledgercmd

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/ledger/archive"
)

// ArchiveFlags name an audit archive on the command line: -archive, a
// directory or s3://bucket/prefix, and how to reach S3. Credentials are
// not flags (a command line is seen by every user of the machine): they
// come from the AWS SDK's default chain, AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, a profile, or an instance role. `ledger verify`
// and `ledger replay` share them.
type ArchiveFlags struct {
	Location string
	S3       archive.S3Options
}

// Add registers the flags on fs; usage describes -archive.
func (f *ArchiveFlags) Add(fs *pflag.FlagSet, usage string) {
	fs.StringVar(&f.Location, "archive", "", usage)
	fs.StringVar(&f.S3.Endpoint, "s3-endpoint", "", "S3-compatible server's URL for an s3:// archive (env AWS_ENDPOINT_URL_S3; default AWS)")
	fs.StringVar(&f.S3.Region, "s3-region", "", "region of an s3:// archive's bucket (env AWS_REGION)")
	fs.BoolVar(&f.S3.PathStyle, "s3-force-path-style", false, "address an s3:// archive's bucket in the URL path, as most S3-compatible servers need")
}

// Open opens the archive -archive names: an S3 bucket, or a directory,
// which must exist.
func (f *ArchiveFlags) Open(ctx context.Context) (archive.Store, error) {
	if !archive.IsS3(f.Location) {
		if fi, err := os.Stat(f.Location); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("%s is not an audit archive directory", f.Location)
		}
	}
	return archive.Open(ctx, f.Location, f.S3)
}
