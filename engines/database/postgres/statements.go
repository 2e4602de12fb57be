package postgres

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ExpirationLayout is how {{expiration}} is rendered, as Vault does; it is
// valid input for PostgreSQL's VALID UNTIL.
const ExpirationLayout = "2006-01-02 15:04:05-0700"

// formatExpiration renders t in UTC, or "infinity" for the zero time.
func formatExpiration(t time.Time) string {
	if t.IsZero() {
		return "infinity"
	}
	return t.UTC().Format(ExpirationLayout)
}

// placeholder matches {{name}}, {{username}}, {{password}}, {{expiration}},
// tolerating spaces inside the braces.
var placeholder = regexp.MustCompile(`\{\{\s*(name|username|password|expiration)\s*\}\}`)

// render substitutes the known placeholders of one statement. Values are
// substituted verbatim: they come from safe alphabets (checked by the
// callers), so they cannot leave the quotes the operator put around them.
func render(stmt string, vars map[string]string) string {
	return placeholder.ReplaceAllStringFunc(stmt, func(m string) string {
		key := placeholder.FindStringSubmatch(m)[1]
		if v, ok := vars[key]; ok {
			return v
		}
		return m
	})
}

// prepare splits every statement string into single statements and renders
// each. Splitting happens before rendering, so a substituted value never
// takes part in deciding where a statement ends.
func prepare(statements []string, vars map[string]string) ([]string, error) {
	var out []string
	for _, s := range statements {
		parts, err := SplitStatements(s)
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			out = append(out, render(p, vars))
		}
	}
	return out, nil
}

// SplitStatements splits operator-supplied SQL into statements at every
// semicolon outside string literals ('...', E'...' with backslash escapes),
// quoted identifiers ("..."), dollar-quoted bodies ($$...$$, $tag$...$tag$)
// and comments (-- and nested /* */). Statements of nothing but comments and
// space are dropped; the rest are trimmed. Vault splits on every ';', which breaks DO blocks and
// function bodies; this does not.
func SplitStatements(sql string) ([]string, error) {
	var (
		out     []string
		start   int
		hasCode bool // the current statement has more than comments and space
	)
	emit := func(end int) {
		if hasCode {
			out = append(out, strings.TrimSpace(sql[start:end]))
		}
		hasCode = false
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		if c != ';' && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' &&
			!strings.HasPrefix(sql[i:], "--") && !strings.HasPrefix(sql[i:], "/*") {
			hasCode = true
		}
		switch {
		case c == ';':
			emit(i)
			i++
			start = i
		case c == '\'':
			escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e') && (i < 2 || !isIdentChar(sql[i-2]))
			end, err := skipQuoted(sql, i, '\'', escapes)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '"':
			end, err := skipQuoted(sql, i, '"', false)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			if nl := strings.IndexByte(sql[i:], '\n'); nl >= 0 {
				i += nl + 1
			} else {
				i = len(sql)
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			end, err := skipBlockComment(sql, i)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '$' && (i == 0 || !isIdentChar(sql[i-1])):
			tag, ok := dollarTag(sql[i:])
			if !ok {
				i++
				continue
			}
			close := strings.Index(sql[i+len(tag):], tag)
			if close < 0 {
				return nil, fmt.Errorf("%w: unterminated dollar-quoted string %s", ErrBadStatements, tag)
			}
			i += len(tag) + close + len(tag)
		default:
			i++
		}
	}
	emit(len(sql))
	return out, nil
}

// skipQuoted returns the index just past the literal or identifier opening
// at sql[i]. A doubled quote is part of it; with backslash escapes (E'...')
// so is any escaped character.
func skipQuoted(sql string, i int, quote byte, backslashEscapes bool) (int, error) {
	for j := i + 1; j < len(sql); j++ {
		switch {
		case backslashEscapes && sql[j] == '\\':
			j++
		case sql[j] == quote:
			if j+1 < len(sql) && sql[j+1] == quote {
				j++
				continue
			}
			return j + 1, nil
		}
	}
	kind := "string literal"
	if quote == '"' {
		kind = "quoted identifier"
	}
	return 0, fmt.Errorf("%w: unterminated %s", ErrBadStatements, kind)
}

// skipBlockComment returns the index just past the (possibly nested)
// comment opening at sql[i].
func skipBlockComment(sql string, i int) (int, error) {
	depth := 0
	for j := i; j < len(sql)-1; j++ {
		switch {
		case sql[j] == '/' && sql[j+1] == '*':
			depth++
			j++
		case sql[j] == '*' && sql[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: unterminated /* comment", ErrBadStatements)
}

// dollarTag returns the opening tag ("$$" or "$tag$") at the start of s, if
// s starts with one; "$1" (a parameter) is not one.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '$':
			return s[:j+1], true
		case c >= '0' && c <= '9':
			if j == 1 {
				return "", false
			}
		case isIdentChar(c) && c != '$':
		default:
			return "", false
		}
	}
	return "", false
}

func isIdentChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}
