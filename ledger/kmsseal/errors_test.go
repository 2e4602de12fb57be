package kmsseal

import (
	"context"
	"errors"
	"fmt"
	"testing"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"
)

// local-kms checks no credentials and never throttles, so the classes it
// cannot produce are checked here with the SDK's own error types.
func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"access denied", &smithy.GenericAPIError{Code: "AccessDeniedException", Fault: smithy.FaultClient}, ErrAccessDenied},
		{"unknown access key", &smithy.GenericAPIError{Code: "UnrecognizedClientException"}, ErrAccessDenied},
		{"bad signature", &smithy.GenericAPIError{Code: "InvalidSignatureException"}, ErrAccessDenied},
		{"expired session", &smithy.GenericAPIError{Code: "ExpiredTokenException"}, ErrAccessDenied},
		{"no credentials", &v4.SigningError{Err: errors.New("failed to retrieve credentials: no EC2 IMDS role found")}, ErrAccessDenied},
		{"key not found", &types.NotFoundException{Message: ptr("Alias is not found.")}, ErrBadKey},
		{"key disabled", &types.DisabledException{}, ErrBadKey},
		{"pending deletion", &types.KMSInvalidStateException{}, ErrBadKey},
		{"other key", &types.IncorrectKeyException{}, ErrBadKey},
		{"bad ciphertext", &types.InvalidCiphertextException{}, ErrBadKey},
		{"asymmetric key", &types.InvalidKeyUsageException{}, ErrBadKey},
		{"unknown client fault", &smithy.GenericAPIError{Code: "ValidationException", Fault: smithy.FaultClient}, ErrBadKey},
		{"kms internal", &types.KMSInternalException{}, ErrUnreachable},
		{"dependency timeout", &types.DependencyTimeoutException{}, ErrUnreachable},
		{"key unavailable", &types.KeyUnavailableException{}, ErrUnreachable},
		{"throttled", &smithy.GenericAPIError{Code: "ThrottlingException"}, ErrUnreachable},
		{"unknown server fault", &smithy.GenericAPIError{Code: "Whatever", Fault: smithy.FaultServer}, ErrUnreachable},
		{"connection refused", &smithyhttp.RequestSendError{Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}, ErrUnreachable},
		{"deadline", fmt.Errorf("operation error KMS: Decrypt: %w", context.DeadlineExceeded), ErrUnreachable},
		{"not a KMS answer", errors.New("deserialization failed, unexpected end of JSON input"), ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify("decrypt root key", tt.err)
			require.ErrorIs(t, got, tt.want)
			require.ErrorIs(t, got, tt.err, "the SDK error stays in the chain")
			for _, other := range []error{ErrAccessDenied, ErrBadKey, ErrUnreachable} {
				if other != tt.want {
					require.NotErrorIs(t, got, other)
				}
			}
			require.Contains(t, got.Error(), "decrypt root key")
		})
	}
}

func TestClassifyCallerCancellation(t *testing.T) {
	got := classify("encrypt root key", fmt.Errorf("op: %w", context.Canceled))
	require.ErrorIs(t, got, context.Canceled)
	for _, c := range []error{ErrAccessDenied, ErrBadKey, ErrUnreachable} {
		require.NotErrorIs(t, got, c)
	}
	require.NoError(t, classify("x", nil))
}

func ptr[T any](v T) *T { return &v }

func TestClassifyCredentialFailure(t *testing.T) {
	inner := errors.New("failed to refresh cached credentials, no EC2 IMDS role found")
	got := classify("encrypt root key", fmt.Errorf("operation error KMS: Encrypt, get identity: get credentials: %w", &credentialsError{err: inner}))
	require.ErrorIs(t, got, ErrAccessDenied)
	require.ErrorIs(t, got, inner)
	require.Contains(t, got.Error(), "no usable AWS credentials")
}
