package postgres

import (
	"crypto/rand"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Alphabets of generated credentials. None holds a quote, a backslash, a
// semicolon or whitespace, so a generated value substituted into a quoted
// identifier ("{{name}}") or literal ('{{password}}') cannot end it.
const (
	lowerAlphabet    = "abcdefghijklmnopqrstuvwxyz"
	upperAlphabet    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digitAlphabet    = "0123456789"
	usernameAlphabet = lowerAlphabet + digitAlphabet
	passwordAlphabet = lowerAlphabet + upperAlphabet + digitAlphabet + "-"

	// MaxUsernameLength is PostgreSQL's identifier limit (NAMEDATALEN-1);
	// longer names are silently truncated by the server, so a longer
	// generated name would not be the role's name.
	MaxUsernameLength = 63
	// PasswordLength is the length of NewPassword's passwords, as Vault's
	// default password policy.
	PasswordLength = 20
)

// NewUsername is Vault's default PostgreSQL username,
// v-<display>-<role>-<random>-<unix seconds>, with display and role names
// lowercased, reduced to [a-z0-9-] and cut to 8 characters, 20 random
// characters from [a-z0-9], at most 63 characters in all.
func NewUsername(displayName, roleName string, now time.Time) string {
	name := strings.Join([]string{
		"v",
		truncate(8, safeName(displayName)),
		truncate(8, safeName(roleName)),
		randomString(usernameAlphabet, 20),
		strconv.FormatInt(now.Unix(), 10),
	}, "-")
	return truncate(MaxUsernameLength, name)
}

// safeName lowercases s and replaces every character outside [a-z0-9-]
// with '-'.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '-'
	}, s)
}

func truncate(n int, s string) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// NewPassword is a password in the shape of Vault's default password
// policy: 20 characters from [a-zA-Z0-9-] with at least one lowercase
// letter, one uppercase letter, one digit and one '-'.
func NewPassword() string {
	b := []byte{
		randomByte(lowerAlphabet),
		randomByte(upperAlphabet),
		randomByte(digitAlphabet),
		'-',
	}
	for len(b) < PasswordLength {
		b = append(b, randomByte(passwordAlphabet))
	}
	// Shuffle so the guaranteed characters are not always in front.
	for i := len(b) - 1; i > 0; i-- {
		j := randomInt(i + 1)
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = randomByte(alphabet)
	}
	return string(b)
}

func randomByte(alphabet string) byte { return alphabet[randomInt(len(alphabet))] }

// randomInt is uniform in [0, n) from crypto/rand (which cannot fail since
// Go 1.24: it crashes the program rather than return weak randomness).
func randomInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("postgres: crypto/rand: " + err.Error())
	}
	return int(v.Int64())
}

// checkUsername accepts 1-63 characters from [A-Za-z0-9_.@-]: what generated
// and templated usernames may contain, and nothing that could end a quoted
// identifier or literal.
func checkUsername(name string) error {
	if name == "" || len(name) > MaxUsernameLength {
		return ErrUnsafeUsername
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '_', c == '.', c == '@', c == '-':
		default:
			return ErrUnsafeUsername
		}
	}
	return nil
}

// checkPassword accepts printable ASCII without quotes, backslashes,
// semicolons or spaces, so that a password policy with symbols still works
// while '{{password}}' can never be escaped from.
func checkPassword(pw string) error {
	if pw == "" {
		return ErrUnsafePassword
	}
	for i := 0; i < len(pw); i++ {
		c := pw[i]
		if c <= ' ' || c > '~' || c == '\'' || c == '"' || c == '\\' || c == ';' {
			return ErrUnsafePassword
		}
	}
	return nil
}
