package kmsseal

import (
	"context"
	"errors"
	"fmt"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

var (
	// ErrUnreachable reports that KMS could not be reached or answered with
	// a fault of its own (timeouts, refused connections, throttling,
	// internal errors): retrying later can succeed without any change.
	ErrUnreachable = errors.New("kmsseal: KMS unreachable")
	// ErrAccessDenied reports that KMS refused the caller: no usable AWS
	// credentials, bad credentials, or a key policy or IAM policy that does
	// not allow the call.
	ErrAccessDenied = errors.New("kmsseal: KMS access denied")
	// ErrBadKey reports that the key cannot do the job: it does not exist,
	// is disabled or pending deletion, is not a symmetric encryption key,
	// or is not the key (or context) the ciphertext was made with.
	ErrBadKey = errors.New("kmsseal: KMS key unusable")
	// ErrConfig reports a seal configuration that cannot work (no key id).
	ErrConfig = errors.New("kmsseal: invalid configuration")
	// ErrMalformed reports a wrapped root key that is not what Wrap wrote.
	ErrMalformed = errors.New("kmsseal: malformed wrapped root key")
)

// KMS error codes by class. Codes not listed fall back on the fault side
// reported by the service: server faults are transient, client faults are
// not.
var (
	accessDeniedCodes = map[string]bool{
		"AccessDeniedException":         true,
		"UnrecognizedClientException":   true,
		"InvalidSignatureException":     true,
		"IncompleteSignature":           true,
		"MissingAuthenticationToken":    true,
		"ExpiredTokenException":         true,
		"InvalidClientTokenId":          true,
		"NotAuthorized":                 true,
		"AuthFailure":                   true,
		"SignatureDoesNotMatch":         true,
		"RequestExpired":                true,
		"InvalidGrantTokenException":    true,
		"ExpiredToken":                  true,
		"AccessDenied":                  true,
		"OptInRequired":                 true,
		"SubscriptionRequiredException": true,
	}
	badKeyCodes = map[string]bool{
		"NotFoundException":             true,
		"DisabledException":             true,
		"KMSInvalidStateException":      true,
		"InvalidKeyUsageException":      true,
		"IncorrectKeyException":         true,
		"InvalidCiphertextException":    true,
		"InvalidArnException":           true,
		"InvalidAliasNameException":     true,
		"UnsupportedOperationException": true,
	}
	unavailableCodes = map[string]bool{
		"KMSInternalException":       true,
		"DependencyTimeoutException": true,
		"KeyUnavailableException":    true,
		"ThrottlingException":        true,
		"LimitExceededException":     true,
		"ServiceUnavailable":         true,
		"InternalFailure":            true,
		"RequestTimeout":             true,
	}
)

// classify wraps err from a KMS call in the sentinel of its class. The AWS
// error text is kept: it names the key and the refused action, never the
// plaintext.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	c := class(err)
	if c == nil {
		return fmt.Errorf("kmsseal: %s: %w", op, err)
	}
	return fmt.Errorf("%w: %s: %w", c, op, err)
}

func class(err error) error {
	// Credentials are resolved before anything is sent, so a failure to
	// get or sign with them means there are none to use, whatever the
	// provider chain ran into on the way.
	var signing *v4.SigningError
	var creds *credentialsError
	if errors.As(err, &signing) || errors.As(err, &creds) {
		return ErrAccessDenied
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code := api.ErrorCode()
		switch {
		case accessDeniedCodes[code]:
			return ErrAccessDenied
		case badKeyCodes[code]:
			return ErrBadKey
		case unavailableCodes[code], api.ErrorFault() == smithy.FaultServer:
			return ErrUnreachable
		}
		var resp *smithyhttp.ResponseError
		if errors.As(err, &resp) && resp.HTTPStatusCode() >= 500 {
			return ErrUnreachable
		}
		return ErrBadKey
	}
	if errors.Is(err, context.Canceled) {
		// The caller gave up; that says nothing about KMS.
		return nil
	}
	// Everything else went wrong between us and a KMS that never answered
	// as KMS: refused or dropped connections, DNS, timeouts, or an HTTP
	// answer that is not a KMS error (a proxy's error page). Waiting can fix
	// all of them, so the start-up loop keeps trying.
	return ErrUnreachable
}
