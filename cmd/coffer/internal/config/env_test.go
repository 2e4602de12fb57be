package config

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestEnvironmentOverrides(t *testing.T) {
	awskmsFile := base + `seal "awskms" {
  region     = "eu-west-1"
  kms_key_id = "alias/from-file"
  endpoint   = "http://file:4599"
}
api_addr  = "https://file:8200"
log_level = "error"
`
	tests := []struct {
		name  string
		src   string
		env   map[string]string
		check func(t *testing.T, c *Config)
	}{
		{
			name: "VAULT_ variables turn on awskms without a seal block",
			src:  base,
			env:  map[string]string{"VAULT_SEAL_TYPE": "awskms", "VAULT_AWSKMS_SEAL_KEY_ID": "alias/env", "AWS_REGION": "ap-south-1"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, Seal{Type: "awskms", AWSKMS: &AWSKMS{KMSKeyID: "alias/env", Region: "ap-south-1"}}, c.Seal)
				require.Empty(t, c.Warnings)
			},
		},
		{
			name: "COFFER_ wins over VAULT_",
			src:  base,
			env: map[string]string{
				"VAULT_SEAL_TYPE": "shamir", "COFFER_SEAL_TYPE": "awskms",
				"VAULT_AWSKMS_SEAL_KEY_ID": "alias/vault", "COFFER_AWSKMS_SEAL_KEY_ID": "alias/coffer",
				"VAULT_API_ADDR": "https://vault:8200", "COFFER_API_ADDR": "https://coffer:8200",
				"VAULT_CLUSTER_ADDR": "https://vault:8201", "COFFER_CLUSTER_ADDR": "https://coffer:8201",
				"VAULT_LOG_LEVEL": "trace", "COFFER_LOG_LEVEL": "debug",
			},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "awskms", c.Seal.Type)
				require.Equal(t, "alias/coffer", c.Seal.AWSKMS.KMSKeyID)
				require.Equal(t, "https://coffer:8200", c.APIAddr)
				require.Equal(t, "https://coffer:8201", c.ClusterAddr)
				require.Equal(t, "debug", c.LogLevel)
			},
		},
		{
			name: "the environment wins over the file, as in Vault's awskms seal",
			src:  awskmsFile,
			env: map[string]string{
				"VAULT_AWSKMS_SEAL_KEY_ID": "alias/env", "AWS_REGION": "us-west-2",
				"AWS_KMS_ENDPOINT": "https://vpce.example:443", "VAULT_API_ADDR": "https://env:8200",
				"VAULT_LOG_LEVEL": "warn",
			},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, &AWSKMS{KMSKeyID: "alias/env", Region: "us-west-2", Endpoint: "https://vpce.example:443"}, c.Seal.AWSKMS)
				require.Equal(t, "https://env:8200", c.APIAddr)
				require.Equal(t, "warn", c.LogLevel)
			},
		},
		{
			name: "AWS_DEFAULT_REGION when AWS_REGION is unset",
			src:  awskmsFile,
			env:  map[string]string{"AWS_DEFAULT_REGION": "sa-east-1"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "sa-east-1", c.Seal.AWSKMS.Region)
				require.Equal(t, "alias/from-file", c.Seal.AWSKMS.KMSKeyID)
			},
		},
		{
			name: "AWS_REGION over AWS_DEFAULT_REGION",
			src:  awskmsFile,
			env:  map[string]string{"AWS_DEFAULT_REGION": "sa-east-1", "AWS_REGION": "eu-north-1"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "eu-north-1", c.Seal.AWSKMS.Region)
			},
		},
		{
			name: "the key id from the environment completes a seal block",
			src: base + `seal "awskms" {
  region = "us-east-1"
}
`,
			env: map[string]string{"VAULT_AWSKMS_SEAL_KEY_ID": "alias/env"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "alias/env", c.Seal.AWSKMS.KMSKeyID)
			},
		},
		{
			name: "a seal type from the environment replaces the block, with a warning",
			src:  awskmsFile,
			env:  map[string]string{"COFFER_SEAL_TYPE": "shamir"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, Seal{Type: "shamir"}, c.Seal)
				require.Len(t, c.Warnings, 1)
				require.Contains(t, c.Warnings[0], `coffer.hcl:7:1: seal "awskms" is replaced by COFFER_SEAL_TYPE=shamir`)
			},
		},
		{
			name: "the same seal type changes nothing",
			src:  awskmsFile,
			env:  map[string]string{"VAULT_SEAL_TYPE": "awskms"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, "alias/from-file", c.Seal.AWSKMS.KMSKeyID)
				require.Empty(t, c.Warnings)
			},
		},
		{
			name: "awskms variables without an awskms seal are not used",
			src:  base,
			env:  map[string]string{"VAULT_AWSKMS_SEAL_KEY_ID": "alias/env", "AWS_REGION": "us-east-1"},
			check: func(t *testing.T, c *Config) {
				require.Equal(t, Seal{Type: "shamir"}, c.Seal)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.src), "coffer.hcl", envOf(tt.env))
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestBadEnvironment(t *testing.T) {
	tests := []struct {
		name string
		src  string
		env  map[string]string
		want string
	}{
		{"unknown seal type", base, map[string]string{"VAULT_SEAL_TYPE": "transit"}, `VAULT_SEAL_TYPE; seal type "transit" is not supported`},
		{"awskms without a key id", base, map[string]string{"COFFER_SEAL_TYPE": "awskms"}, "The awskms seal needs kms_key_id (or COFFER_AWSKMS_SEAL_KEY_ID / VAULT_AWSKMS_SEAL_KEY_ID)."},
		{"api addr", base, map[string]string{"VAULT_API_ADDR": "coffer:8200"}, "VAULT_API_ADDR; VAULT_API_ADDR must be an http:// or https:// URL."},
		{"cluster addr", base, map[string]string{"COFFER_CLUSTER_ADDR": "ftp://x"}, "COFFER_CLUSTER_ADDR must be an http:// or https:// URL."},
		{"log level", base, map[string]string{"VAULT_LOG_LEVEL": "chatty"}, `VAULT_LOG_LEVEL; "chatty" is not a log level`},
		{"endpoint", base, map[string]string{"VAULT_SEAL_TYPE": "awskms", "VAULT_AWSKMS_SEAL_KEY_ID": "k", "AWS_KMS_ENDPOINT": "kms:4599"}, "AWS_KMS_ENDPOINT must be an http:// or https:// URL."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "coffer.hcl", envOf(tt.env))
			require.ErrorIs(t, err, ErrInvalid)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSecretsAreNotPrinted(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	const token = "FwoGZXIvYXdzEXAMPLETOKEN"
	c, err := Parse([]byte(base+`seal "awskms" {
  kms_key_id    = "k"
  access_key    = "AKIAIOSFODNN7EXAMPLE"
  secret_key    = "`+secret+`"
  session_token = "`+token+`"
}
`), "coffer.hcl", nil)
	require.NoError(t, err)
	require.Equal(t, secret, c.Seal.AWSKMS.SecretKey.Reveal())
	require.Equal(t, token, c.Seal.AWSKMS.SessionToken.Reveal())

	js, err := json.Marshal(c)
	require.NoError(t, err)
	for _, out := range []string{
		fmt.Sprintf("%v", c.Seal.AWSKMS),
		fmt.Sprintf("%+v", *c.Seal.AWSKMS),
		fmt.Sprintf("%#v", *c.Seal.AWSKMS),
		fmt.Sprintf("%s", c.Seal.AWSKMS.SecretKey),
		fmt.Sprint(c.Seal.AWSKMS.SessionToken),
		string(js),
	} {
		require.NotContains(t, out, secret)
		require.NotContains(t, out, token)
		require.Contains(t, out, "[redacted]")
	}
	require.Equal(t, "", Sensitive("").String(), "an unset secret does not pretend to be set")
}
