package kmsseal_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/kmsseal"
	"github.com/cofferhq/coffer/ledger/kmsseal/kmstest"
	"github.com/stretchr/testify/require"
)

// With no static keys and nothing in the SDK's default chain, the seal
// still builds (so a server can start and report), and every call says
// access is denied rather than that KMS is down.
func TestNoCredentialsIsAccessDenied(t *testing.T) {
	srv := kmstest.Start(t)
	srv.CreateKey(t, alias)

	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_PROFILE":                            "",
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
	} {
		t.Setenv(k, v)
	}
	seal, err := kmsseal.New(context.Background(), kmsseal.Config{
		Region: kmstest.Region, KMSKeyID: alias, Endpoint: srv.Endpoint, Timeout: 10 * time.Second,
	})
	require.NoError(t, err)
	_, err = seal.Wrap(ledger.RandomKey())
	require.ErrorIs(t, err, kmsseal.ErrAccessDenied)
	require.NotErrorIs(t, err, kmsseal.ErrUnreachable)
}
