package template

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is what a dependency asks of the server.
type Kind int

// Dependency kinds.
const (
	// Read is `secret "path"`: GET.
	Read Kind = iota
	// Write is `secret "path" "k=v"...`: PUT with the parameters.
	Write
	// List is `secrets "path"`: LIST.
	List
	// PKI is `pkiCert "path" "k=v"...`: PUT, kept until near expiry.
	PKI
)

func (k Kind) String() string { return [...]string{"read", "write", "list", "pki"}[k] }

// Dep is one thing a template needs from the server. It is comparable:
// two templates reading the same path share one Dep (and one lease).
type Dep struct {
	Kind Kind
	// Path is the API path without /v1/ and surrounding slashes; a read
	// may carry a query (`secret/data/x?version=2`).
	Path string
	// Params are the write parameters, "k=v" sorted and joined with "&"
	// (canonical, so the same call is the same Dep).
	Params string
}

func (d Dep) String() string {
	if d.Params == "" {
		return d.Kind.String() + " " + d.Path
	}
	// The parameters may hold values a reader should not see in a log.
	return fmt.Sprintf("%s %s (%d parameters)", d.Kind, d.Path, strings.Count(d.Params, "&")+1)
}

// Data returns the write parameters as a map.
func (d Dep) Data() map[string]any {
	if d.Params == "" {
		return nil
	}
	out := map[string]any{}
	for _, kv := range strings.Split(d.Params, "&") {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

// newDep canonicalises a template call.
func newDep(kind Kind, path string, params []string) (Dep, error) {
	path = strings.Trim(strings.TrimSpace(path), "/")
	if path == "" {
		return Dep{}, fmt.Errorf("template: %s needs a path", kind)
	}
	for _, p := range params {
		if !strings.Contains(p, "=") {
			return Dep{}, fmt.Errorf("template: %s %q: parameter %q is not key=value", kind, path, p)
		}
		if strings.Contains(p, "&") {
			return Dep{}, fmt.Errorf("template: %s %q: parameter must not contain '&'", kind, path)
		}
	}
	sorted := append([]string(nil), params...)
	sort.Strings(sorted)
	if kind == Read && len(params) > 0 {
		kind = Write
	}
	return Dep{Kind: kind, Path: path, Params: strings.Join(sorted, "&")}, nil
}
