package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/cofferhq/coffer/internal/apierror"
	"github.com/jackc/pgx/v5/pgconn"
)

var (
	// ErrBadConnectionURL: connection_url is empty, malformed, or names
	// {{username}} without a username.
	ErrBadConnectionURL = apierror.New(6101, http.StatusBadRequest, "postgres", "bad connection URL")
	// ErrBadPasswordAuthentication: password_authentication is neither
	// "password" nor "scram-sha-256".
	ErrBadPasswordAuthentication = apierror.New(6102, http.StatusBadRequest, "postgres", `password_authentication must be "password" or "scram-sha-256"`)
	// ErrBadUsernameTemplate: username_template does not parse or execute.
	ErrBadUsernameTemplate = apierror.New(6103, http.StatusBadRequest, "postgres", "bad username template")
	// ErrUnsafeUsername: a username has characters outside the safe alphabet
	// [A-Za-z0-9_.@-] or is empty; it would not be safe inside statements.
	ErrUnsafeUsername = apierror.New(6104, http.StatusBadRequest, "postgres", "username outside the safe alphabet")
	// ErrUnsafePassword: a password is empty or has a quote, backslash,
	// semicolon, space or control character.
	ErrUnsafePassword = errors.New("postgres: password outside the safe alphabet")
	// ErrBadStatements: statements that cannot be split (an unterminated
	// quote, dollar quote or comment).
	ErrBadStatements = apierror.New(6105, http.StatusBadRequest, "postgres", "malformed statements")
	// ErrNoCreationStatements: CreateUser needs at least one statement.
	ErrNoCreationStatements = apierror.New(6106, http.StatusBadRequest, "postgres", "no creation statements")
	// ErrNoRootUsername: rotating the root password needs the connection's
	// username.
	ErrNoRootUsername = apierror.New(6107, http.StatusBadRequest, "postgres", "rotating the root password needs a username")
	// ErrConnect: the database could not be reached or the connection broke.
	ErrConnect = apierror.New(6108, http.StatusInternalServerError, "postgres", "database connection failed")
	// ErrStatement: PostgreSQL rejected a statement; the error is a
	// *StatementError.
	ErrStatement = apierror.New(6109, http.StatusBadRequest, "postgres", "statement failed")
	// ErrUserNotFound: the role to renew does not exist.
	ErrUserNotFound = errors.New("postgres: role does not exist")
	// ErrClosed: the DB was closed.
	ErrClosed = errors.New("postgres: connection pool closed")
)

// StatementError is PostgreSQL's rejection of one statement. It carries the
// server's message (with every secret of the operation redacted) and
// SQLSTATE, never the statement text, which may hold a password.
type StatementError struct {
	Op       string // "create", "renew", "revoke", "rollback", "rotate-root"
	Index    int    // 1-based position of the failing statement; 0 for built-in statements
	Count    int    // operator-supplied statements in the operation
	SQLState string
	Message  string
}

func (e *StatementError) Error() string {
	if e.Index > 0 {
		return fmt.Sprintf("postgres: %s: statement %d of %d failed: %s (SQLSTATE %s)", e.Op, e.Index, e.Count, e.Message, e.SQLState)
	}
	return fmt.Sprintf("postgres: %s failed: %s (SQLSTATE %s)", e.Op, e.Message, e.SQLState)
}

func (e *StatementError) Unwrap() error { return ErrStatement }

// SQLSTATE codes the package reacts to.
const (
	sqlstateInternalError        = "XX000" // "tuple concurrently updated"
	sqlstateDeadlockDetected     = "40P01"
	sqlstateSerializationFailure = "40001"
	sqlstateUndefinedObject      = "42704" // "role ... does not exist"
	sqlstateInsufficientPriv     = "42501"
)

// stepError remembers which statement of a batch failed.
type stepError struct {
	index int // 1-based; 0 for built-in steps
	err   error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// connectionLost: the database could not be reached, refused the login, or
// ended the session (it is shutting down or restarting: class 08, 57P0x).
func connectionLost(err error) bool {
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return true // I/O errors, closed connections
	}
	return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P0")
}

// retryable errors are worth another attempt of the whole transaction:
// catalog update races and deadlocks (should the advisory lock be bypassed
// by someone else's DDL) and connection failures that happened before
// anything was sent.
func retryable(err error) bool {
	switch sqlState(err) {
	case sqlstateInternalError, sqlstateDeadlockDetected, sqlstateSerializationFailure:
		return true
	}
	return pgconn.SafeToRetry(err)
}

// classify turns a failure of op into one of the package's errors, with
// every secret redacted from the text. ctx is the caller's: when it is done,
// the failure is the caller's cancellation, not the database's.
func classify(ctx context.Context, op string, count int, err error, r redactor) error {
	if ctx.Err() != nil {
		return fmt.Errorf("postgres: %s: %w", op, context.Cause(ctx))
	}
	if errors.Is(err, ErrClosed) {
		return err
	}
	if connectionLost(err) {
		return fmt.Errorf("%w: %s: %s", ErrConnect, op, r.redact(err.Error()))
	}
	index := 0
	var step *stepError
	if errors.As(err, &step) && count > 0 {
		index = step.index
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return &StatementError{Op: op, Index: index, Count: count, SQLState: pgErr.Code, Message: r.redact(pgErr.Message)}
	}
	return fmt.Errorf("%w: %s: %s", ErrConnect, op, r.redact(err.Error()))
}

// redactor removes secrets from text that may reach an error message.
type redactor []string

func (r redactor) with(secrets ...string) redactor {
	out := append(redactor{}, r...)
	for _, s := range secrets {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	return out
}

// urlPassword matches the password of a URL's userinfo.
var urlPassword = regexp.MustCompile(`(://[^:/@\s]*:)[^@\s]*@`)

// quoted is a double-quoted fragment of a server message, such as the
// token in `syntax error at or near "..."`.
var quoted = regexp.MustCompile(`"[^"]*"`)

// redact replaces every secret, every quoted fragment that overlaps a secret
// (a statement missing its quotes gets the password split into tokens, and
// the server quotes the one it chokes on), and URL passwords.
func (r redactor) redact(s string) string {
	for _, secret := range r {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	s = quoted.ReplaceAllStringFunc(s, func(q string) string {
		for _, secret := range r {
			if overlaps(q[1:len(q)-1], secret) {
				return `"[redacted]"`
			}
		}
		return q
	})
	return urlPassword.ReplaceAllString(s, "${1}[redacted]@")
}

// overlaps reports whether fragment is part of secret or shares four
// consecutive characters with it.
func overlaps(fragment, secret string) bool {
	if fragment == "" {
		return false
	}
	if strings.Contains(secret, fragment) {
		return true
	}
	const window = 4
	for i := 0; i+window <= len(fragment); i++ {
		if strings.Contains(secret, fragment[i:i+window]) {
			return true
		}
	}
	return false
}
