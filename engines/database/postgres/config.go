package postgres

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Values of Config.PasswordAuthentication.
const (
	// PasswordAuthPassword substitutes the password itself for {{password}}.
	PasswordAuthPassword = "password"
	// PasswordAuthSCRAM substitutes a SCRAM-SHA-256 verifier computed here,
	// so PostgreSQL never sees the plaintext.
	PasswordAuthSCRAM = "scram-sha-256"
)

const (
	// DefaultMaxOpenConnections is Vault's default max_open_connections.
	DefaultMaxOpenConnections = 4
	// defaultConnectTimeout bounds a connection attempt when the URL sets
	// no connect_timeout, so that "database down" fails fast.
	defaultConnectTimeout = 10 * time.Second
	// applicationName marks our sessions in pg_stat_activity.
	applicationName = "coffer"
)

// Config is a connection's configuration (database/config/:name).
type Config struct {
	// ConnectionURL is a postgres:// URL or a key=value DSN; {{username}}
	// and {{password}} in it are replaced by Username and Password.
	ConnectionURL string
	// Username and Password are the root credentials; when set they also
	// override credentials written literally into ConnectionURL, so that a
	// rotated root password always takes effect.
	Username, Password string
	// MaxOpenConnections caps the pool (default 4).
	MaxOpenConnections int
	// PasswordAuthentication is "password" (default) or "scram-sha-256".
	PasswordAuthentication string
	// UsernameTemplate overrides NewUsername's format (see
	// ParseUsernameTemplate); empty means Vault's default.
	UsernameTemplate string
}

// withDefaults fills in defaults and checks the settings that need no
// database.
func (c Config) withDefaults() (Config, error) {
	if c.MaxOpenConnections <= 0 {
		c.MaxOpenConnections = DefaultMaxOpenConnections
	}
	switch c.PasswordAuthentication {
	case "":
		c.PasswordAuthentication = PasswordAuthPassword
	case PasswordAuthPassword, PasswordAuthSCRAM:
	default:
		return c, ErrBadPasswordAuthentication
	}
	return c, nil
}

// redactor covers the root password in every form it may take in a message.
func (c Config) redactor() redactor {
	return redactor{}.with(c.Password, escapeURLUserinfo(c.Password), escapeDSNValue(c.Password))
}

// poolConfig renders and parses the connection URL. Errors never contain
// the password or the URL.
func (c Config) poolConfig() (*pgxpool.Config, error) {
	raw := strings.TrimSpace(c.ConnectionURL)
	if raw == "" {
		return nil, fmt.Errorf("%w: connection_url is empty", ErrBadConnectionURL)
	}
	if strings.Contains(raw, "{{username}}") && c.Username == "" {
		return nil, fmt.Errorf("%w: connection_url has {{username}} but no username is set", ErrBadConnectionURL)
	}
	if scheme, _, ok := strings.Cut(raw, "://"); ok && !isURL(raw) && !strings.ContainsAny(scheme, " =") {
		return nil, fmt.Errorf("%w: scheme %q is not postgres:// or postgresql://", ErrBadConnectionURL, truncate(20, scheme))
	}
	escape := escapeDSNValue
	if isURL(raw) {
		escape = escapeURLUserinfo
	}
	connString := strings.NewReplacer(
		"{{username}}", escape(c.Username),
		"{{password}}", escape(c.Password),
	).Replace(raw)

	pc, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadConnectionURL, c.redactor().redact(parseReason(err)))
	}
	if c.Username != "" {
		pc.ConnConfig.User = c.Username
	}
	if c.Password != "" {
		pc.ConnConfig.Password = c.Password
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if _, ok := pc.ConnConfig.RuntimeParams["application_name"]; !ok {
		pc.ConnConfig.RuntimeParams["application_name"] = applicationName
	}
	pc.MaxConns = int32(c.MaxOpenConnections)
	pc.MinConns = 0
	return pc, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// quotedFragment is a piece of the input quoted in a parse error.
var quotedFragment = regexp.MustCompile(`"[^"]*"`)

// parseReason is pgconn's parse error without the connection string it
// quotes (pgconn masks the password there, but only on a best-effort basis)
// or the fragments of it that it quotes (which, in a malformed URL, may be
// part of the password).
func parseReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "`: "); i >= 0 && strings.HasPrefix(msg, "cannot parse `") {
		msg = msg[i+3:]
	}
	return quotedFragment.ReplaceAllString(msg, `"[redacted]"`)
}

// escapeURLUserinfo percent-encodes everything but unreserved characters, so
// a credential with ':', '@' or '/' cannot change the URL's structure.
func escapeURLUserinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// escapeDSNValue backslash-escapes what would end or split a key=value
// DSN value, quoted or not.
func escapeDSNValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\', '\'', ' ', '\t', '\n', '\r', '\v', '\f':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
