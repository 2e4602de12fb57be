package acl

import (
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/hcl/token"
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrParse is returned (wrapped in a *ParseError) for any policy text
	// that cannot be accepted.
	ErrParse = errors.New("acl: malformed policy")
	// ErrUnknownCapability is returned for a capability name Vault does
	// not know. A *ParseError carrying it also matches ErrParse.
	ErrUnknownCapability = errors.New("acl: unknown capability")
	// ErrUnsupported is returned for Vault policy features Coffer cannot
	// honour (Enterprise MFA and control groups, event-type filters,
	// nested parameter keys). Accepting them and ignoring them would grant
	// more than the policy says, so they are refused. A *ParseError
	// carrying it also matches ErrParse.
	ErrUnsupported = errors.New("acl: unsupported policy feature")
	// ErrRootPolicy is returned by ValidateName (and Parse) for "root".
	ErrRootPolicy = errors.New("acl: cannot create policy named root")
	// ErrInvalidName is returned by ValidateName for unusable names.
	ErrInvalidName = errors.New("acl: invalid policy name")
)

// ParseError describes where a policy is malformed. Line and Column are
// 1-based; both are 0 when no position is known.
type ParseError struct {
	Filename string
	Line     int
	Column   int
	Msg      string
	kind     error // ErrParse, ErrUnknownCapability or ErrUnsupported
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%v: %s:%d:%d: %s", e.kind, e.Filename, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%v: %s: %s", e.kind, e.Filename, e.Msg)
}

// Unwrap lets errors.Is match ErrParse and, where it applies,
// ErrUnknownCapability or ErrUnsupported.
func (e *ParseError) Unwrap() []error {
	if e.kind == ErrParse {
		return []error{ErrParse}
	}
	return []error{e.kind, ErrParse}
}

// errAt builds a *ParseError at pos (which may be invalid: no position).
func (p *parser) errAt(kind error, pos token.Pos, format string, args ...any) *ParseError {
	return &ParseError{
		Filename: p.filename,
		Line:     pos.Line,
		Column:   pos.Column,
		Msg:      fmt.Sprintf(format, args...),
		kind:     kind,
	}
}
