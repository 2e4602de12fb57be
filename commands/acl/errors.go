package acl

import (
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Sentinel errors. Match them with errors.Is.
var (
	// ErrParse is returned (wrapped in a *ParseError) for any policy text
	// that cannot be accepted.
	ErrParse = errors.New("acl: malformed policy")
	// ErrUnknownCapability is returned for a capability name Vault does
	// not know. A *ParseError carrying it also matches ErrParse.
	ErrUnknownCapability = errors.New("acl: unknown capability")
	// ErrRootPolicy is returned by ValidateName (and Parse) for "root".
	ErrRootPolicy = errors.New("acl: cannot create policy named root")
	// ErrInvalidName is returned by ValidateName for unusable names.
	ErrInvalidName = errors.New("acl: invalid policy name")
)

// ParseError describes where a policy is malformed. Line and Column are
// 1-based; both are 0 when HCL gave no position.
type ParseError struct {
	Filename string
	Line     int
	Column   int
	Msg      string
	kind     error // ErrParse or ErrUnknownCapability
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%v: %s:%d:%d: %s", e.kind, e.Filename, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%v: %s", e.kind, e.Msg)
}

// Unwrap lets errors.Is match ErrParse and, for unknown capabilities,
// ErrUnknownCapability.
func (e *ParseError) Unwrap() []error {
	if e.kind == ErrParse {
		return []error{ErrParse}
	}
	return []error{e.kind, ErrParse}
}

func errAt(kind error, rng hcl.Range, format string, args ...any) *ParseError {
	return &ParseError{
		Filename: rng.Filename,
		Line:     rng.Start.Line,
		Column:   rng.Start.Column,
		Msg:      fmt.Sprintf(format, args...),
		kind:     kind,
	}
}

// diagError turns the first error diagnostic into a *ParseError.
func diagError(diags hcl.Diagnostics) error {
	errs := diags.Errs()
	if len(errs) == 0 {
		return nil
	}
	var d *hcl.Diagnostic
	if !errors.As(errs[0], &d) {
		return &ParseError{Msg: errs[0].Error(), kind: ErrParse}
	}
	msg := d.Summary
	if d.Detail != "" {
		msg += "; " + d.Detail
	}
	if n := len(errs) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more error(s))", n)
	}
	pe := &ParseError{Msg: msg, kind: ErrParse}
	if d.Subject != nil {
		pe.Filename = d.Subject.Filename
		pe.Line = d.Subject.Start.Line
		pe.Column = d.Subject.Start.Column
	}
	return pe
}
