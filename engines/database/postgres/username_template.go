package postgres

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// UsernameTemplate is a parsed username_template: a Go text/template with
// Vault's data (.DisplayName, .RoleName) and functions (random, truncate,
// truncate_sha256, uppercase, lowercase, replace, sha256, base64,
// unix_time, unix_time_millis, timestamp, uuid). Its output must stay within
// the safe username alphabet; it is cut to 63 characters like PostgreSQL
// would.
type UsernameTemplate struct {
	tmpl *template.Template
}

// usernameData is what a username template sees.
type usernameData struct {
	DisplayName string
	RoleName    string
}

// ParseUsernameTemplate parses and test-runs a username template.
func ParseUsernameTemplate(text string) (*UsernameTemplate, error) {
	tmpl, err := template.New("username").Option("missingkey=error").Funcs(usernameFuncs(time.Unix(0, 0))).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadUsernameTemplate, err)
	}
	ut := &UsernameTemplate{tmpl: tmpl}
	if _, err := ut.Generate("token", "role", time.Now()); err != nil {
		return nil, err
	}
	return ut, nil
}

// Generate renders the template for a display name and role name at now.
func (u *UsernameTemplate) Generate(displayName, roleName string, now time.Time) (string, error) {
	t, err := u.tmpl.Clone()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadUsernameTemplate, err)
	}
	var b strings.Builder
	if err := t.Funcs(usernameFuncs(now)).Execute(&b, usernameData{DisplayName: displayName, RoleName: roleName}); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadUsernameTemplate, err)
	}
	name := truncate(MaxUsernameLength, strings.TrimSpace(b.String()))
	if err := checkUsername(name); err != nil {
		return "", fmt.Errorf("%w: the template produced %q", err, name)
	}
	return name, nil
}

func usernameFuncs(now time.Time) template.FuncMap {
	return template.FuncMap{
		"random": func(n int) (string, error) {
			if n < 1 || n > 1000 {
				return "", fmt.Errorf("random length %d out of range", n)
			}
			return randomString(lowerAlphabet+upperAlphabet+digitAlphabet, n), nil
		},
		"truncate": func(n int, s string) (string, error) {
			if n < 0 {
				return "", fmt.Errorf("truncate to %d", n)
			}
			return truncate(n, s), nil
		},
		"truncate_sha256": func(n int, s string) (string, error) {
			if n <= 8 {
				return "", fmt.Errorf("truncate_sha256 needs more than 8 characters, got %d", n)
			}
			if len(s) <= n {
				return s, nil
			}
			sum := sha256.Sum256([]byte(s[n-8:]))
			return s[:n-8] + hex.EncodeToString(sum[:])[:8], nil
		},
		"uppercase": strings.ToUpper,
		"lowercase": strings.ToLower,
		"replace": func(find, replacement, s string) string {
			return strings.ReplaceAll(s, find, replacement)
		},
		"sha256": func(s string) string {
			sum := sha256.Sum256([]byte(s))
			return hex.EncodeToString(sum[:])
		},
		"base64":           func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
		"unix_time":        func() string { return strconv.FormatInt(now.Unix(), 10) },
		"unix_time_millis": func() string { return strconv.FormatInt(now.UnixMilli(), 10) },
		"timestamp":        func(layout string) string { return now.UTC().Format(layout) },
		"uuid":             newUUID,
	}
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
