package framework

import (
	"regexp/syntax"
	"sort"
	"strings"
)

// OpenAPI is an OpenAPI 3 document built from path declarations, as
// Vault's sys/internal/specs/openapi serves it: one path item per
// concrete URL the pattern admits ("{name}" for each captured variable),
// with Vault's extensions x-vault-sudo, x-vault-unauthenticated and
// x-vault-createSupported.
type OpenAPI struct {
	Version    string              `json:"openapi"`
	Info       OpenAPIInfo         `json:"info"`
	Paths      map[string]*OASPath `json:"paths"`
	Components struct {
		Schemas map[string]any `json:"schemas"`
	} `json:"components"`
}

// OpenAPIInfo is the document's info object.
type OpenAPIInfo struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Version     string `json:"version"`
}

// OASPath is one path item.
type OASPath struct {
	Description     string          `json:"description,omitempty"`
	Parameters      []OASParameter  `json:"parameters,omitempty"`
	Sudo            bool            `json:"x-vault-sudo,omitempty"`
	Unauthenticated bool            `json:"x-vault-unauthenticated,omitempty"`
	CreateSupported bool            `json:"x-vault-createSupported,omitempty"`
	Get             *OASOperation   `json:"get,omitempty"`
	Post            *OASOperation   `json:"post,omitempty"`
	Patch           *OASOperation   `json:"patch,omitempty"`
	Delete          *OASOperation   `json:"delete,omitempty"`
	operations      map[string]bool // which verbs are filled
}

// OASOperation is one operation of a path item.
type OASOperation struct {
	Summary     string                 `json:"summary,omitempty"`
	Description string                 `json:"description,omitempty"`
	Tags        []string               `json:"tags,omitempty"`
	Parameters  []OASParameter         `json:"parameters,omitempty"`
	RequestBody *OASRequestBody        `json:"requestBody,omitempty"`
	Responses   map[string]OASResponse `json:"responses"`
}

// OASParameter is a path or query parameter.
type OASParameter struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	In          string     `json:"in"`
	Required    bool       `json:"required,omitempty"`
	Schema      *OASSchema `json:"schema"`
}

// OASRequestBody is a JSON body.
type OASRequestBody struct {
	Required bool                    `json:"required,omitempty"`
	Content  map[string]OASMediaType `json:"content"`
}

// OASMediaType holds a body's schema.
type OASMediaType struct {
	Schema *OASSchema `json:"schema"`
}

// OASSchema is a (small) JSON schema.
type OASSchema struct {
	Type        string                `json:"type,omitempty"`
	Format      string                `json:"format,omitempty"`
	Description string                `json:"description,omitempty"`
	Items       *OASSchema            `json:"items,omitempty"`
	Properties  map[string]*OASSchema `json:"properties,omitempty"`
	Required    []string              `json:"required,omitempty"`
	Default     any                   `json:"default,omitempty"`
	Enum        []any                 `json:"enum,omitempty"`
	Deprecated  bool                  `json:"deprecated,omitempty"`
}

// OASResponse is a response description.
type OASResponse struct {
	Description string `json:"description"`
}

// NewOpenAPI starts an empty document.
func NewOpenAPI(version string) *OpenAPI {
	d := &OpenAPI{
		Version: "3.0.2",
		Info: OpenAPIInfo{
			Title:       "Coffer API",
			Description: "HTTP API that gives you full access to Coffer, compatible with HashiCorp Vault's. All API routes are prefixed with `/v1/`.",
			Version:     version,
		},
		Paths: map[string]*OASPath{},
	}
	d.Components.Schemas = map[string]any{}
	return d
}

// AddBackend documents every path of b mounted at mountPath.
func (d *OpenAPI) AddBackend(mountPath, tag string, b *Backend) {
	for _, p := range b.Paths {
		d.AddPath(mountPath, tag, p)
	}
}

// AddPath documents one path of a mount. Patterns that do not reduce to
// concrete URLs (a catch-all like ".*") are left out.
func (d *OpenAPI) AddPath(mountPath, tag string, p *Path) {
	prefix := "/" + strings.TrimSuffix(mountPath, "/")
	for _, variant := range expandPattern(p.Pattern) {
		url := prefix
		if variant != "" {
			url += "/" + variant
		}
		url = strings.ReplaceAll(url, "//", "/")
		item := d.Paths[url]
		if item == nil {
			item = &OASPath{operations: map[string]bool{}}
			d.Paths[url] = item
		}
		item.fill(p, url, tag)
	}
}

func (item *OASPath) fill(p *Path, url, tag string) {
	if item.Description == "" {
		item.Description = strings.TrimSpace(p.Synopsis)
	}
	item.Sudo = item.Sudo || p.Sudo
	item.Unauthenticated = item.Unauthenticated || p.Unauthenticated
	item.CreateSupported = item.CreateSupported || p.ExistenceCheck != nil
	pathParams := map[string]bool{}
	for _, seg := range strings.Split(url, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			if pathParams[name] {
				continue
			}
			pathParams[name] = true
			if item.hasParam(name) {
				continue
			}
			desc := ""
			if f, ok := p.Fields[name]; ok {
				desc = f.Description
			}
			item.Parameters = append(item.Parameters, OASParameter{Name: name, Description: desc, In: "path", Required: true, Schema: &OASSchema{Type: "string"}})
		}
	}
	names := make([]string, 0, len(p.Fields))
	for name := range p.Fields {
		if !pathParams[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	ops := make([]Operation, 0, len(p.Operations))
	for op := range p.Operations {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i] < ops[j] })
	for _, op := range ops {
		o := &OASOperation{
			Summary: strings.TrimSpace(p.Synopsis), Description: strings.TrimSpace(p.Description),
			Responses: map[string]OASResponse{"200": {Description: "OK"}},
		}
		if tag != "" {
			o.Tags = []string{tag}
		}
		switch op {
		case ReadOperation, ListOperation, DeleteOperation:
			for _, name := range names {
				f := p.Fields[name]
				o.Parameters = append(o.Parameters, OASParameter{Name: name, Description: f.Description, In: "query", Required: f.Required, Schema: f.oasSchema()})
			}
			if op == ListOperation {
				o.Parameters = append(o.Parameters, OASParameter{Name: "list", Description: "Return a list if `true`", In: "query", Required: true, Schema: &OASSchema{Type: "string", Enum: []any{"true"}}})
			}
		default:
			body := &OASSchema{Type: "object", Properties: map[string]*OASSchema{}}
			for _, name := range names {
				f := p.Fields[name]
				body.Properties[name] = f.oasSchema()
				if f.Required {
					body.Required = append(body.Required, name)
				}
			}
			if len(body.Properties) > 0 {
				o.RequestBody = &OASRequestBody{Content: map[string]OASMediaType{"application/json": {Schema: body}}}
			}
		}
		switch op {
		case ReadOperation:
			item.set("get", &item.Get, o)
		case ListOperation:
			if !item.operations["get"] {
				item.set("get", &item.Get, o)
			}
		case CreateOperation, UpdateOperation:
			item.set("post", &item.Post, o)
		case PatchOperation:
			item.set("patch", &item.Patch, o)
		case DeleteOperation:
			item.set("delete", &item.Delete, o)
		}
	}
}

func (item *OASPath) set(verb string, slot **OASOperation, o *OASOperation) {
	if item.operations[verb] {
		return
	}
	item.operations[verb] = true
	*slot = o
}

func (item *OASPath) hasParam(name string) bool {
	for _, p := range item.Parameters {
		if p.Name == name {
			return true
		}
	}
	return false
}

func (f *FieldSchema) oasSchema() *OASSchema {
	s := &OASSchema{Description: f.Description, Deprecated: f.Deprecated, Enum: f.AllowedValues}
	switch f.Type {
	case TypeBool:
		s.Type = "boolean"
	case TypeInt:
		s.Type = "integer"
	case TypeFloat:
		s.Type = "number"
	case TypeDurationSecond, TypeSignedDurationSecond:
		s.Type, s.Format = "string", "duration"
	case TypeMap, TypeKVPairs:
		s.Type = "object"
	case TypeSlice:
		s.Type = "array"
		s.Items = &OASSchema{Type: "object"}
	case TypeStringSlice:
		s.Type = "array"
		s.Items = &OASSchema{Type: "string"}
	case TypeCommaStringSlice:
		s.Type, s.Format = "array", "commastring"
		s.Items = &OASSchema{Type: "string"}
	case TypeCommaIntSlice:
		s.Type = "array"
		s.Items = &OASSchema{Type: "integer"}
	case TypeTime:
		s.Type, s.Format = "string", "date-time"
	default:
		s.Type = "string"
	}
	if f.Default != nil {
		s.Default = f.Default
	}
	return s
}

// maxVariants bounds how many URLs one pattern expands to.
const maxVariants = 16

// expandPattern turns a path pattern into the concrete URLs it admits,
// with "{name}" for each named group: optional parts and alternatives
// give one URL each. A pattern with an unnamed repetition (".*") admits
// no concrete URL and gives none.
func expandPattern(pattern string) []string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	variants, ok := expand(re)
	if !ok {
		return nil
	}
	// An optional trailing slash ("mounts/?") is one URL; a pattern that
	// ends in a slash ("auth/") keeps it, as a URL of its own.
	all := map[string]bool{}
	for _, v := range variants {
		all[strings.TrimLeft(v, "/")] = true
	}
	var out []string
	for v := range all {
		if strings.HasSuffix(v, "/") && all[strings.TrimSuffix(v, "/")] {
			continue
		}
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func expand(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}, true
	case syntax.OpEmptyMatch, syntax.OpBeginText, syntax.OpEndText, syntax.OpBeginLine, syntax.OpEndLine:
		return []string{""}, true
	case syntax.OpCapture:
		if re.Name != "" {
			return []string{"{" + re.Name + "}"}, true
		}
		return expand(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := expand(re.Sub[0])
		if !ok {
			return nil, false
		}
		return append([]string{""}, sub...), true
	case syntax.OpConcat:
		acc := []string{""}
		for _, s := range re.Sub {
			parts, ok := expand(s)
			if !ok {
				return nil, false
			}
			var next []string
			for _, a := range acc {
				for _, p := range parts {
					next = append(next, a+p)
				}
			}
			if len(next) > maxVariants {
				return nil, false
			}
			acc = next
		}
		return acc, true
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			parts, ok := expand(s)
			if !ok {
				return nil, false
			}
			out = append(out, parts...)
		}
		return out, len(out) <= maxVariants
	case syntax.OpCharClass:
		// A one-character class such as [/] or [-] (syntax.Parse makes
		// those out of some literals): its first rune.
		if len(re.Rune) == 2 && re.Rune[0] == re.Rune[1] {
			return []string{string(re.Rune[0])}, true
		}
	}
	return nil, false
}
