package template

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"text/template"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

// ErrNoSecret reports a read that found nothing (a 404): the template is
// not rendered, as consul-template waits for the secret to exist.
var ErrNoSecret = errors.New("template: no secret exists at this path")

// Template is one parsed template block.
type Template struct {
	Config config.Template
	tmpl   *template.Template

	mu  sync.Mutex // one execution at a time: cur belongs to it
	cur *execution
}

type execution struct {
	src  Source
	deps map[Dep]struct{}
}

// New reads (source) and parses a template block.
func New(c config.Template) (*Template, error) {
	text := c.Contents
	name := c.Destination
	if c.Source != "" {
		b, err := os.ReadFile(c.Source)
		if err != nil {
			return nil, fmt.Errorf("template: read source: %w", err)
		}
		text, name = string(b), c.Source
	}
	t := &Template{Config: c}
	missing := "missingkey=zero"
	if c.ErrorOnMissingKey {
		missing = "missingkey=error"
	}
	tm, err := template.New(name).Delims(c.LeftDelim, c.RightDelim).Option(missing).Funcs(t.funcs()).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	t.tmpl = tm
	return t, nil
}

// Render executes the template against src. It returns the output and
// every dependency the execution used, also when it failed (so the caller
// can watch what the template waits for).
func (t *Template) Render(src Source) ([]byte, []Dep, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cur = &execution{src: src, deps: map[Dep]struct{}{}}
	defer func() { t.cur = nil }()
	var buf bytes.Buffer
	err := t.tmpl.Execute(&buf, nil)
	deps := make([]Dep, 0, len(t.cur.deps))
	for d := range t.cur.deps {
		deps = append(deps, d)
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Path+deps[i].Params < deps[j].Path+deps[j].Params })
	if err != nil {
		return nil, deps, err
	}
	return buf.Bytes(), deps, nil
}

func (t *Template) funcs() template.FuncMap {
	fm := template.FuncMap(textFuncs())
	fm["secret"] = t.secret
	fm["secrets"] = t.secrets
	fm["pkiCert"] = t.pkiCert
	fm["executeTemplate"] = t.executeTemplate
	for _, name := range consulFuncs {
		fm[name] = func(...any) (any, error) { return nil, ErrNoConsul }
	}
	return fm
}

func (t *Template) get(kind Kind, path string, params []string) (*vault.Secret, error) {
	dep, err := newDep(kind, path, params)
	if err != nil {
		return nil, err
	}
	t.cur.deps[dep] = struct{}{}
	s, err := t.cur.src.Get(dep)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoSecret, dep.Path)
	}
	return s, nil
}

func (t *Template) secret(path string, params ...string) (*vault.Secret, error) {
	return t.get(Read, path, params)
}

func (t *Template) secrets(path string) ([]string, error) {
	s, err := t.get(List, path, nil)
	if err != nil {
		if errors.Is(err, ErrNoSecret) {
			return []string{}, nil // an empty folder lists nothing
		}
		return nil, err
	}
	raw, _ := s.Data["keys"].([]any)
	keys := make([]string, 0, len(raw))
	for _, k := range raw {
		if ks, ok := k.(string); ok {
			keys = append(keys, ks)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

func (t *Template) pkiCert(path string, params ...string) (*Certificate, error) {
	s, err := t.get(PKI, path, params)
	if err != nil {
		return nil, err
	}
	return PKIOf(s), nil
}

func (t *Template) executeTemplate(name string, data ...any) (string, error) {
	var d any
	if len(data) > 0 {
		d = data[0]
	}
	var buf bytes.Buffer
	if err := t.tmpl.ExecuteTemplate(&buf, name, d); err != nil {
		return "", err
	}
	return buf.String(), nil
}
