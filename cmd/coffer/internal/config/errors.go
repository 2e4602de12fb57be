package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// ErrInvalid is matched (errors.Is) by every *Error.
var ErrInvalid = errors.New("config: invalid configuration")

// Error lists every problem found in a configuration. Each diagnostic has a
// Subject (file, line, column) unless it came from the environment.
type Error struct {
	Diagnostics hcl.Diagnostics
}

func (e *Error) Error() string {
	var lines []string
	for _, d := range e.Diagnostics {
		if d.Severity == hcl.DiagError {
			lines = append(lines, describe(d))
		}
	}
	if len(lines) == 1 {
		return ErrInvalid.Error() + ": " + lines[0]
	}
	return ErrInvalid.Error() + ":\n\t" + strings.Join(lines, "\n\t")
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *Error) Unwrap() error { return ErrInvalid }

// describe renders a diagnostic as file:line:column: summary; detail.
func describe(d *hcl.Diagnostic) string {
	msg := d.Summary
	if d.Detail != "" {
		msg += "; " + d.Detail
	}
	if d.Subject == nil {
		return msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, msg)
}

// problem builds an error diagnostic at rng.
func problem(rng hcl.Range, summary, detail string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(detail, args...),
		Subject:  rng.Ptr(),
	}
}

// envProblem builds an error diagnostic about an environment variable,
// which has no place in the file.
func envProblem(name, detail string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid environment variable " + name,
		Detail:   fmt.Sprintf(detail, args...),
	}
}
