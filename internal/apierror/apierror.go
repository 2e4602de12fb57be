package apierror

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Error is a refusal a client may see. Its Error text is "<pkg>: <message>"
// (package-prefixed, for logs and %w chains); the client sees the message.
type Error struct {
	// Code is stable and unique; docs/errors.md lists every code.
	Code int
	// Status is the HTTP status Vault answers with.
	Status int
	// Pkg is the declaring package's name, the prefix of Error().
	Pkg string
	// Message is Vault's wording.
	Message string
	// Quiet errors show no message at all: Vault answers a missing item
	// with 404 and {"errors":[]}.
	Quiet bool
	// Fixed errors show Message only, never the context they were wrapped
	// with ("permission denied", whatever the reason).
	Fixed bool
}

func (e *Error) Error() string { return e.Pkg + ": " + e.Message }

var (
	mu  sync.Mutex
	all = map[int]*Error{}
)

// New declares an error. A code declared twice is a programming error and
// panics at start-up.
func New(code, status int, pkg, message string) *Error {
	return register(&Error{Code: code, Status: status, Pkg: pkg, Message: message})
}

// NewQuiet declares an error shown as an empty error list (404 for a
// missing item).
func NewQuiet(code, status int, pkg, message string) *Error {
	return register(&Error{Code: code, Status: status, Pkg: pkg, Message: message, Quiet: true})
}

// NewFixed declares an error whose client message never changes, however
// it is wrapped.
func NewFixed(code, status int, pkg, message string) *Error {
	return register(&Error{Code: code, Status: status, Pkg: pkg, Message: message, Fixed: true})
}

func register(e *Error) *Error {
	mu.Lock()
	defer mu.Unlock()
	if old, ok := all[e.Code]; ok {
		panic(fmt.Sprintf("apierror: code %d declared twice (%q and %q)", e.Code, old.Error(), e.Error()))
	}
	all[e.Code] = e
	return e
}

// All returns every declared error, ordered by code.
func All() []*Error {
	mu.Lock()
	defer mu.Unlock()
	out := make([]*Error, 0, len(all))
	for _, e := range all {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *Error) int { return a.Code - b.Code })
	return out
}

// Public finds the declared error in err's chain and returns it with the
// messages the client sees. The text shown is err's own text without the
// "<pkg>: " prefix, so context added where the error is raised reaches the
// client ("root or sudo privileges required to create orphan token"); an
// error wrapped from outside its package (whose text does not start with
// that prefix) shows the declared message only, so internal context never
// leaks. ok is false when err holds no declared error.
func Public(err error) (e *Error, messages []string, ok bool) {
	if !errors.As(err, &e) {
		return nil, nil, false
	}
	if e.Quiet {
		return e, []string{}, true
	}
	if e.Fixed {
		return e, []string{e.Message}, true
	}
	text := err.Error()
	if rest, cut := strings.CutPrefix(text, e.Pkg+": "); cut {
		return e, []string{rest}, true
	}
	return e, []string{e.Message}, true
}
