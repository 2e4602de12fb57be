package postgres

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secretPW = "Sup3r:s3cret@pw/x"

func TestOpenRendersCredentialsSafely(t *testing.T) {
	tests := []struct {
		name, url string
	}{
		{"url", "postgresql://{{username}}:{{password}}@db.example.com:5432/myapp?sslmode=disable"},
		{"dsn", "host=db.example.com port=5432 dbname=myapp user={{username}} password={{password}} sslmode=disable"},
		{"quoted dsn", "host=db.example.com port=5432 dbname=myapp user='{{username}}' password='{{password}}' sslmode=disable"},
		{"literal credentials overridden", "postgres://someone:old@db.example.com:5432/myapp?sslmode=disable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, pw := range []string{secretPW, `it's a \ pass word`} {
				cfg, err := Config{ConnectionURL: tt.url, Username: "vault-root", Password: pw}.withDefaults()
				require.NoError(t, err)
				pc, err := cfg.poolConfig()
				require.NoError(t, err)
				assert.Equal(t, "vault-root", pc.ConnConfig.User)
				assert.Equal(t, pw, pc.ConnConfig.Password)
				assert.Equal(t, "db.example.com", pc.ConnConfig.Host)
				assert.Equal(t, uint16(5432), pc.ConnConfig.Port)
				assert.Equal(t, "myapp", pc.ConnConfig.Database)
				assert.Equal(t, int32(DefaultMaxOpenConnections), pc.MaxConns)
				assert.Equal(t, applicationName, pc.ConnConfig.RuntimeParams["application_name"])
			}
		})
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"empty url", Config{Username: "u", Password: secretPW}, ErrBadConnectionURL},
		{"not a url", Config{ConnectionURL: "postgresql://{{username}}:{{password}}@db.example.com:notaport/x", Username: "u", Password: secretPW}, ErrBadConnectionURL},
		{"garbage", Config{ConnectionURL: "this is not a dsn", Username: "u", Password: secretPW}, ErrBadConnectionURL},
		{"bad percent escape", Config{ConnectionURL: "postgres://u:" + secretPW + "%zz@db/x", Password: secretPW}, ErrBadConnectionURL},
		{"username template without username", Config{ConnectionURL: "postgres://{{username}}:{{password}}@db/x", Password: secretPW}, ErrBadConnectionURL},
		{"bad sslmode", Config{ConnectionURL: "postgres://u:{{password}}@db/x?sslmode=sometimes", Password: secretPW}, ErrBadConnectionURL},
		{"other scheme", Config{ConnectionURL: "mysql://u:{{password}}@db/x", Password: secretPW}, ErrBadConnectionURL},
		{"password auth", Config{ConnectionURL: "postgres://db/x", PasswordAuthentication: "md5"}, ErrBadPasswordAuthentication},
		{"username template", Config{ConnectionURL: "postgres://db/x", UsernameTemplate: "{{ .Nope }}"}, ErrBadUsernameTemplate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(ctx, tt.cfg)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, db)
			assert.NotContains(t, err.Error(), "s3cret")
			assert.NotContains(t, err.Error(), "Sup3r")
			assert.NotContains(t, err.Error(), "pw/x")
			assert.NotContains(t, err.Error(), "x%zz")
		})
	}
}

func TestRedactor(t *testing.T) {
	r := Config{Password: secretPW}.redactor().with("abc", "token-Secret-1")
	got := r.redact("a " + secretPW + " b Sup3r%3As3cret%40pw%2Fx c token-Secret-1 postgres://user:anything@host/db abc")
	assert.Equal(t, "a [redacted] b [redacted] c [redacted] postgres://user:[redacted]@host/db abc", got)
}
