package config

import (
	"strings"

	"github.com/hashicorp/hcl/hcl/ast"
)

// Methods are the auto_auth methods the agent has.
var Methods = []string{"token_file", "approle", "kubernetes"}

var methodRules = rules{
	known: []string{"type", "mount_path", "min_backoff", "max_backoff", "exit_on_err", "config"},
	accepted: map[string]string{
		"namespace": "Coffer has no namespaces",
	},
	refused: map[string]string{
		"wrap_ttl": "response-wrapped auto_auth tokens are not supported",
	},
}

var sinkRules = rules{
	known: []string{"type", "config"},
	refused: map[string]string{
		"wrap_ttl":    "response-wrapped sink tokens are not supported",
		"dh_type":     "encrypted sinks are not supported",
		"dh_path":     "encrypted sinks are not supported",
		"derive_key":  "encrypted sinks are not supported",
		"aad":         "encrypted sinks are not supported",
		"aad_env_var": "encrypted sinks are not supported",
	},
}

func (d *decoder) autoAuth(root *ast.ObjectList, cfg *Config) {
	list, pos, ok := d.single(root, "auto_auth")
	if !ok {
		return
	}
	d.check(list, "auto_auth", rules{known: []string{"method", "sink"},
		accepted: map[string]string{"enable_reauth_on_new_credentials": "token_file re-reads its file on every login"}})
	a := &AutoAuth{}
	methods := filter(list, "method")
	switch len(methods) {
	case 0:
		d.errorf(pos, "auto_auth needs one method block")
	default:
		if len(methods) > 1 {
			d.errorf(posOf(methods[1]), "auto_auth allows one method block")
		}
		a.Method = d.method(methods[0])
	}
	for _, it := range filter(list, "sink") {
		if s, ok := d.sink(it); ok {
			a.Sinks = append(a.Sinks, s)
		}
	}
	cfg.AutoAuth = a
}

// labelled returns a labelled block's label (`method "kubernetes" {}`) or
// its type attribute (`method { type = "kubernetes" }`), and its body.
func (d *decoder) labelled(it *ast.ObjectItem, what string) (string, *ast.ObjectList) {
	label := ""
	keys := it.Keys
	if len(keys) > 0 {
		label = strings.ToLower(keyText(keys[0]))
		keys = keys[1:]
	}
	body := d.body(&ast.ObjectItem{Keys: keys, Val: it.Val}, what)
	var typ string
	if d.str(body, "type", what, &typ) {
		typ = strings.ToLower(typ)
		if label != "" && typ != label {
			d.errorf(posOf(it), "%s %q has type %q", what, label, typ)
		}
		label = typ
	}
	if label == "" {
		d.errorf(posOf(it), "%s needs a type (%s \"<type>\" { ... })", what, what)
	}
	return label, body
}

func (d *decoder) method(it *ast.ObjectItem) Method {
	typ, body := d.labelled(it, "method")
	m := Method{Type: typ, MinBackoff: DefaultMinBackoff, MaxBackoff: DefaultMaxBackoff, Config: map[string]any{}}
	d.check(body, "method", methodRules)
	known := false
	for _, t := range Methods {
		known = known || t == typ
	}
	if typ != "" && !known {
		d.errorf(posOf(it), "auto_auth method %q is not supported (supported: %s)", typ, strings.Join(Methods, ", "))
	}
	if !d.str(body, "mount_path", "method", &m.MountPath) || m.MountPath == "" {
		m.MountPath = "auth/" + typ
		if typ == "token_file" {
			m.MountPath = "auth/token"
		}
	}
	m.MountPath = strings.Trim(m.MountPath, "/")
	d.duration(body, "min_backoff", "method", &m.MinBackoff)
	d.duration(body, "max_backoff", "method", &m.MaxBackoff)
	if m.MinBackoff <= 0 {
		m.MinBackoff = DefaultMinBackoff
	}
	if m.MaxBackoff < m.MinBackoff {
		d.errorf(posOf(it), "method.max_backoff (%s) is below min_backoff (%s)", m.MaxBackoff, m.MinBackoff)
	}
	d.boolean(body, "exit_on_err", "method", &m.ExitOnErr)
	if c := d.attrOrBlock(body, "config"); c != nil {
		if mp, ok := d.value(c).(map[string]any); ok {
			m.Config = mp
		} else {
			d.errorf(c.Pos(), "method.config must be a block")
		}
	}
	return m
}

// attrOrBlock is the value of `key = {...}` or `key {...}`.
func (d *decoder) attrOrBlock(list *ast.ObjectList, key string) ast.Node {
	items := filter(list, key)
	if len(items) == 0 {
		return nil
	}
	if len(items) > 1 {
		d.errorf(posOf(items[1]), "%s is set twice", key)
	}
	it := items[0]
	if len(it.Keys) > 0 {
		return &ast.ObjectList{Items: []*ast.ObjectItem{{Keys: it.Keys, Val: it.Val}}}
	}
	return it.Val
}

func (d *decoder) sink(it *ast.ObjectItem) (Sink, bool) {
	typ, body := d.labelled(it, "sink")
	d.check(body, "sink", sinkRules)
	s := Sink{Type: typ, Mode: DefaultSinkMode}
	if typ != "file" {
		d.errorf(posOf(it), "sink %q is not supported (supported: file)", typ)
		return s, false
	}
	c := d.attrOrBlock(body, "config")
	if c == nil {
		d.errorf(posOf(it), "sink \"file\" needs config { path = ... }")
		return s, false
	}
	conf, ok := d.value(c).(map[string]any)
	if !ok {
		d.errorf(c.Pos(), "sink.config must be a block")
		return s, false
	}
	for k, v := range conf {
		switch k {
		case "path":
			s.Path, _ = v.(string)
		case "mode":
			m, err := ParseMode(v)
			if err != nil {
				d.errorf(c.Pos(), "sink.config.mode: %v", err)
			}
			s.Mode = m
		default:
			d.errorf(c.Pos(), "sink.config: unknown key %q (known: mode, path)", k)
		}
	}
	if s.Path == "" {
		d.errorf(c.Pos(), "sink.config.path is required")
		return s, false
	}
	return s, true
}
