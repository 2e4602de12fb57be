package postgres

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewUsername(t *testing.T) {
	now := time.Unix(1700000000, 0)
	tests := []struct {
		display, role string
		prefix        string
	}{
		{"token", "myapp-readwrite", "v-token-myapp-re-"},
		{"approle-Very-Long-Name", "RO", "v-approle--ro-"},
		{`us"er';--\`, "r;le", "v-us-er----r-le-"},
		{"", "", "v---"},
	}
	shape := regexp.MustCompile(`^v-[a-z0-9-]{0,8}-[a-z0-9-]{0,8}-[a-z0-9]{20}-1700000000$`)
	for _, tt := range tests {
		name := NewUsername(tt.display, tt.role, now)
		assert.True(t, strings.HasPrefix(name, tt.prefix), "%q has prefix %q", name, tt.prefix)
		assert.Regexp(t, shape, name)
		assert.LessOrEqual(t, len(name), MaxUsernameLength)
		require.NoError(t, checkUsername(name))
	}
	assert.NotEqual(t, NewUsername("token", "r", now), NewUsername("token", "r", now), "random part differs")
}

func TestNewPasswordShape(t *testing.T) {
	seen := map[string]bool{}
	for range 500 {
		pw := NewPassword()
		require.Len(t, pw, PasswordLength)
		require.Regexp(t, `^[a-zA-Z0-9-]+$`, pw)
		require.Regexp(t, `[a-z]`, pw)
		require.Regexp(t, `[A-Z]`, pw)
		require.Regexp(t, `[0-9]`, pw)
		require.Contains(t, pw, "-")
		require.NoError(t, checkPassword(pw))
		seen[pw] = true
	}
	assert.Len(t, seen, 500)
}

func TestCheckUsernameAndPassword(t *testing.T) {
	for _, name := range []string{"", `a"b`, "a'b", `a\b`, "a;b", "a b", "a\x00b", "é", strings.Repeat("a", 64)} {
		assert.ErrorIs(t, checkUsername(name), ErrUnsafeUsername, "%q", name)
	}
	for _, name := range []string{"v-token-x-1", "user@example.com", "A_b.c", strings.Repeat("a", 63)} {
		assert.NoError(t, checkUsername(name), "%q", name)
	}
	for _, pw := range []string{"", `a"b`, "a'b", `a\b`, "a;b", "a b", "a\nb", "pässword"} {
		assert.ErrorIs(t, checkPassword(pw), ErrUnsafePassword, "%q", pw)
	}
	for _, pw := range []string{NewPassword(), "Symbols!@#$%^&*()_+=", "x"} {
		assert.NoError(t, checkPassword(pw), "%q", pw)
	}
}

func TestUsernameTemplate(t *testing.T) {
	now := time.Unix(1700000000, 123e6)
	tests := []struct {
		tmpl string
		want string // regexp
	}{
		{`{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}`,
			`^v-token-myapp-re-[A-Za-z0-9]{20}-1700000000$`},
		{`{{ .RoleName | uppercase | replace "-" "_" }}_{{ unix_time_millis }}`, `^MYAPP_READWRITE_1700000000123$`},
		{`{{ .RoleName | truncate_sha256 10 }}`, `^my[0-9a-f]{8}$`},
		{`u-{{ uuid }}`, `^u-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`},
		{`{{ timestamp "20060102" }}-{{ .DisplayName | sha256 | truncate 6 }}`, `^20231114-[0-9a-f]{6}$`},
		{`{{ random 100 }}`, `^[A-Za-z0-9]{63}$`},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			ut, err := ParseUsernameTemplate(tt.tmpl)
			require.NoError(t, err)
			name, err := ut.Generate("token", "myapp-readwrite", now)
			require.NoError(t, err)
			assert.Regexp(t, tt.want, name)
		})
	}
}

func TestUsernameTemplateRejects(t *testing.T) {
	for _, tmpl := range []string{
		`{{ .Nope }}`,
		`{{ nosuchfunc }}`,
		`{{ .DisplayName`,
		`x"; DROP TABLE t; --`,
		`{{ .DisplayName }}'`,
		`{{ base64 .RoleName }}`, // '=' padding is outside the alphabet
		`   `,
	} {
		t.Run(tmpl, func(t *testing.T) {
			_, err := ParseUsernameTemplate(tmpl)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "postgres: "), err.Error())
		})
	}
	// A display name can carry what the template cannot.
	ut, err := ParseUsernameTemplate(`v-{{ .DisplayName }}`)
	require.NoError(t, err)
	_, err = ut.Generate(`evil"name`, "r", time.Now())
	assert.ErrorIs(t, err, ErrUnsafeUsername)
}

func TestSCRAMVerifierFormat(t *testing.T) {
	v, err := scramVerifier("secret-Password-1")
	require.NoError(t, err)
	assert.Regexp(t, `^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$`, v)
	w, err := scramVerifier("secret-Password-1")
	require.NoError(t, err)
	assert.NotEqual(t, v, w, "salted")
	assert.NotContains(t, v, "secret-Password-1")
}
