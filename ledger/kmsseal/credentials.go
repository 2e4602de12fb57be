package kmsseal

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// credentialsError marks a failure to obtain AWS credentials. The SDK
// reports those as plain wrapped strings ("get identity: get credentials:
// ..."), so the seal marks them itself to classify them as ErrAccessDenied.
// A transient failure of the credential source (STS, instance metadata)
// lands here too; its text is kept, and the start-up loop retries anyway.
type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return "no usable AWS credentials: " + e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }

// markedCredentials wraps the configured provider (already caching) so that
// its failures carry credentialsError.
type markedCredentials struct{ inner aws.CredentialsProvider }

func (m markedCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := m.inner.Retrieve(ctx)
	if err != nil && ctx.Err() == nil {
		return c, &credentialsError{err: err}
	}
	return c, err
}
