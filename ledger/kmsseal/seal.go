package kmsseal

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/cofferhq/coffer/ledger"
)

// SealType is what sys/seal-status reports for this seal.
const SealType = "awskms"

// DefaultRegion is used when neither the configuration nor the AWS
// environment names a region, as Vault's awskms seal does.
const DefaultRegion = "us-east-1"

// DefaultTimeout bounds one Wrap or Unwrap, SDK retries included.
const DefaultTimeout = 15 * time.Second

// encryptionContext is sent with every Encrypt and Decrypt. KMS refuses to
// decrypt without the same context, and CloudTrail records it.
var encryptionContext = map[string]string{"coffer:purpose": "root-key"}

// Config says which KMS key to use and how to reach it. Empty fields fall
// back on the AWS SDK's defaults (environment, shared config files,
// instance or task roles).
type Config struct {
	// Region of the key; AWS_REGION, the shared config or DefaultRegion
	// when empty.
	Region string
	// KMSKeyID is a key id, key ARN, alias name ("alias/coffer-unseal") or
	// alias ARN. Required.
	KMSKeyID string
	// Endpoint overrides the KMS endpoint: a VPC endpoint, or a
	// KMS-compatible server in tests.
	Endpoint string
	// AccessKey and SecretKey are static credentials; when empty the SDK's
	// default credential chain is used.
	AccessKey string
	SecretKey string
	// SessionToken goes with temporary static credentials.
	SessionToken string
	// Timeout bounds one Wrap or Unwrap; DefaultTimeout when zero.
	Timeout time.Duration
}

// Seal implements ledger.Seal with an AWS KMS key.
type Seal struct {
	client  *kms.Client
	keyID   string
	timeout time.Duration
}

var _ ledger.Seal = (*Seal)(nil)

// New builds the seal. It loads the AWS configuration and sets up the
// credential chain but does not call KMS or fetch credentials, so it
// succeeds while KMS is down; the first Wrap or Unwrap tells whether the
// key is usable.
func New(ctx context.Context, cfg Config) (*Seal, error) {
	if cfg.KMSKeyID == "" {
		return nil, fmt.Errorf("%w: kms_key_id is required", ErrConfig)
	}
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithDefaultRegion(DefaultRegion),
		// The SDK retries a call a couple of times to ride out a blip;
		// longer outages are the start-up loop's business (Retry). No
		// client-side retry quota: during a long outage it would run dry
		// and replace the real error with "retry quota exceeded".
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.MaxBackoff = time.Second
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.AccessKey != "" || cfg.SecretKey != "" {
		if cfg.AccessKey == "" || cfg.SecretKey == "" {
			return nil, fmt.Errorf("%w: access_key and secret_key go together", ErrConfig)
		}
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		// Only the names of files and profiles appear here, not secrets.
		return nil, fmt.Errorf("%w: load AWS configuration: %w", ErrConfig, err)
	}
	if awsCfg.Credentials != nil {
		awsCfg.Credentials = markedCredentials{inner: awsCfg.Credentials}
	}
	client := kms.NewFromConfig(awsCfg, func(o *kms.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Seal{client: client, keyID: cfg.KMSKeyID, timeout: timeout}, nil
}

// Type implements ledger.Seal.
func (*Seal) Type() string { return SealType }

// KeyID is the configured key id or alias.
func (s *Seal) KeyID() string { return s.keyID }

// wrappedRootKey is what Wrap returns and the ledger stores.
type wrappedRootKey struct {
	Version int `json:"v"`
	// KeyARN is the ARN of the key KMS encrypted with, as it reported it.
	KeyARN     string `json:"key_arn"`
	Ciphertext []byte `json:"ciphertext"`
}

// Wrap implements ledger.Seal, bounded by the configured timeout.
func (s *Seal) Wrap(rootKey []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	return s.WrapContext(ctx, rootKey)
}

// Unwrap implements ledger.Seal, bounded by the configured timeout.
func (s *Seal) Unwrap(wrapped []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	return s.UnwrapContext(ctx, wrapped)
}

// WrapContext encrypts the root key with KMS Encrypt.
func (s *Seal) WrapContext(ctx context.Context, rootKey []byte) ([]byte, error) {
	out, err := s.client.Encrypt(ctx, &kms.EncryptInput{
		KeyId:             aws.String(s.keyID),
		Plaintext:         rootKey,
		EncryptionContext: encryptionContext,
	})
	if err != nil {
		return nil, classify("encrypt root key", err)
	}
	b, err := json.Marshal(wrappedRootKey{Version: 1, KeyARN: aws.ToString(out.KeyId), Ciphertext: out.CiphertextBlob})
	if err != nil {
		return nil, fmt.Errorf("kmsseal: encode wrapped root key: %w", err)
	}
	return b, nil
}

// UnwrapContext decrypts what WrapContext produced with KMS Decrypt. The
// configured key is named in the call, so a ciphertext made under another
// key is refused (ErrBadKey) instead of silently decrypted with it.
func (s *Seal) UnwrapContext(ctx context.Context, wrapped []byte) ([]byte, error) {
	var w wrappedRootKey
	if err := json.Unmarshal(wrapped, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if w.Version != 1 || len(w.Ciphertext) == 0 {
		return nil, fmt.Errorf("%w: version %d, %d ciphertext bytes", ErrMalformed, w.Version, len(w.Ciphertext))
	}
	out, err := s.client.Decrypt(ctx, &kms.DecryptInput{
		KeyId:             aws.String(s.keyID),
		CiphertextBlob:    w.Ciphertext,
		EncryptionContext: encryptionContext,
	})
	if err != nil {
		return nil, classify(fmt.Sprintf("decrypt root key (wrapped under %s)", w.KeyARN), err)
	}
	return out.Plaintext, nil
}
