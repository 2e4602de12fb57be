package metrics

import (
	"github.com/cofferhq/coffer/engines/framework"
)

// debugPaths serve what `coffer debug` bundles besides metrics and
// profiles: the configuration without secrets (Vault's path, sudo as in
// Vault) and the recent log lines (sudo: logs name paths and accessors).
func (r *Registry) debugPaths() *framework.Backend {
	return &framework.Backend{Paths: []*framework.Path{
		{Pattern: `config/state/sanitized`, Sudo: true, Fields: map[string]*framework.FieldSchema{},
			Synopsis: "The server's configuration, without secrets.",
			Operations: readOnly(func(*framework.Request) (*framework.Response, error) {
				data := map[string]any{}
				for k, v := range r.cfg.Sanitized {
					data[k] = v
				}
				return &framework.Response{Data: data}, nil
			})},
		{Pattern: `debug/logs`, Sudo: true, Fields: map[string]*framework.FieldSchema{},
			Synopsis: "The server's recent log lines (logfmt), oldest first.",
			Operations: readOnly(func(*framework.Request) (*framework.Response, error) {
				text := []byte{}
				if r.cfg.Logs != nil {
					text = r.cfg.Logs.Text()
				}
				return &framework.Response{Raw: text, RawContentType: contentText}, nil
			})},
	}}
}
