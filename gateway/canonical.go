package gateway

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// canonicalPath turns the escaped URL path after "/v1/" into the one path
// every later step uses. It refuses rather than repairs: a path that needs
// cleaning is either a mistake or an attack on the ACL check, and Vault
// refuses those too. One trailing slash is kept (it marks a LIST prefix).
func canonicalPath(escaped string) (string, error) {
	lower := strings.ToLower(escaped)
	if strings.Contains(lower, "%2e") || strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(lower, "%00") {
		return "", fmt.Errorf("%w: encoded '.', '/', '\\' or NUL", ErrBadPath)
	}
	p, err := unescape(escaped)
	if err != nil {
		return "", err
	}
	if err := checkChars(p); err != nil {
		return "", err
	}
	trimmed := strings.TrimSuffix(p, "/")
	if trimmed == "" {
		return "", fmt.Errorf("%w: empty path", ErrBadPath)
	}
	for _, seg := range strings.Split(trimmed, "/") {
		switch seg {
		case "":
			return "", fmt.Errorf("%w: empty segment", ErrBadPath)
		case ".", "..":
			return "", fmt.Errorf("%w: '.' or '..' segment", ErrBadPath)
		}
	}
	return p, nil
}

// checkChars refuses what no path may hold, canonical or opaque: bytes
// that are not UTF-8, NUL, backslash and control characters.
func checkChars(p string) error {
	if !utf8.ValidString(p) {
		return fmt.Errorf("%w: not valid UTF-8", ErrBadPath)
	}
	if strings.ContainsAny(p, "\x00\\") {
		return fmt.Errorf("%w: NUL or backslash", ErrBadPath)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: control character", ErrBadPath)
		}
	}
	return nil
}

// unescape decodes %XX escapes (the ones canonicalPath has not refused).
func unescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || !ishex(s[i+1]) || !ishex(s[i+2]) {
			return "", fmt.Errorf("%w: bad escape", ErrBadPath)
		}
		b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
		i += 2
	}
	return b.String(), nil
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
