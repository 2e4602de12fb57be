package config

import (
	"github.com/hashicorp/hcl/hcl/ast"
)

var listenerRules = rules{
	known: []string{"type", "address", "tls_disable", "tls_cert_file", "tls_key_file", "socket_mode"},
	accepted: map[string]string{
		"socket_user":            "the socket belongs to the agent's user",
		"socket_group":           "the socket belongs to the agent's group",
		"tls_min_version":        "TLS 1.2 is the minimum",
		"require_request_header": "the listener serves loopback clients",
	},
	refused: map[string]string{
		"tls_require_and_verify_client_cert": "client certificates are not checked by the agent's listener",
		"role":                               "listener roles are not supported",
	},
}

func (d *decoder) proxy(root *ast.ObjectList, cfg *Config) {
	if list, _, ok := d.single(root, "api_proxy"); ok {
		d.check(list, "api_proxy", rules{known: []string{"use_auto_auth_token"},
			accepted: map[string]string{"enforce_consistency": "Coffer reads its own writes on every node", "when_inconsistent": "Coffer reads its own writes on every node"}})
		p := &APIProxy{}
		d.autoAuthToken(list, "api_proxy", p)
		cfg.APIProxy = p
	}
	if list, _, ok := d.single(root, "cache"); ok {
		d.check(list, "cache", rules{known: []string{"use_auto_auth_token"},
			accepted: map[string]string{"persist": "the cache lives in memory", "cache_static_secrets": "static secrets are re-rendered on events instead",
				"enforce_consistency": "Coffer reads its own writes on every node", "when_inconsistent": "Coffer reads its own writes on every node"}})
		cfg.Cache = &Cache{}
		if d.attr(list, "use_auto_auth_token") != nil {
			// Vault's legacy place for the setting.
			if cfg.APIProxy == nil {
				cfg.APIProxy = &APIProxy{}
			}
			d.autoAuthToken(list, "cache", cfg.APIProxy)
		}
	}
}

// autoAuthToken reads use_auto_auth_token: true, false or "force".
func (d *decoder) autoAuthToken(list *ast.ObjectList, what string, p *APIProxy) {
	it := d.attr(list, "use_auto_auth_token")
	if it == nil {
		return
	}
	v := d.literal(it, what+".use_auto_auth_token")
	if s, ok := v.(string); ok && s == "force" {
		p.UseAutoAuthToken, p.ForceAutoAuthToken = true, true
		return
	}
	b, err := toBool(v)
	if err != nil {
		d.errorf(it.Val.Pos(), "%s.use_auto_auth_token must be true, false or \"force\"", what)
		return
	}
	p.UseAutoAuthToken = b
}

func (d *decoder) listeners(root *ast.ObjectList, cfg *Config) {
	for _, it := range filter(root, "listener") {
		typ, body := d.labelled(it, "listener")
		d.check(body, "listener", listenerRules)
		l := Listener{Type: typ}
		if typ != "tcp" && typ != "unix" {
			d.errorf(posOf(it), "listener %q is not supported (tcp or unix)", typ)
			continue
		}
		if !d.str(body, "address", "listener", &l.Address) || l.Address == "" {
			if typ == "tcp" {
				l.Address = "127.0.0.1:8100"
			} else {
				d.errorf(posOf(it), "listener \"unix\" needs an address (the socket's path)")
			}
		}
		d.boolean(body, "tls_disable", "listener", &l.TLSDisable)
		d.str(body, "tls_cert_file", "listener", &l.TLSCertFile)
		d.str(body, "tls_key_file", "listener", &l.TLSKeyFile)
		d.mode(body, "socket_mode", "listener", &l.SocketMode)
		if typ == "tcp" && !l.TLSDisable && (l.TLSCertFile == "" || l.TLSKeyFile == "") {
			d.errorf(posOf(it), "listener \"tcp\" needs tls_cert_file and tls_key_file, or tls_disable = true")
		}
		cfg.Listeners = append(cfg.Listeners, l)
	}
}
