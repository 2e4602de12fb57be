package injector

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// The agent configuration in vault-k8s's JSON shape; `coffer agent` reads
// it with the same parser as an HCL file.
type agentConfig struct {
	AutoAuth       autoAuth        `json:"auto_auth"`
	ExitAfterAuth  bool            `json:"exit_after_auth"`
	PidFile        string          `json:"pid_file"`
	Vault          vaultStanza     `json:"vault"`
	Templates      []templateBlock `json:"template,omitempty"`
	TemplateConfig templateConfig  `json:"template_config"`
	Listener       []listener      `json:"listener,omitempty"`
	Cache          *struct{}       `json:"cache,omitempty"`
	APIProxy       *apiProxy       `json:"api_proxy,omitempty"`
}

type autoAuth struct {
	Method method `json:"method"`
	Sinks  []sink `json:"sink"`
}

type method struct {
	Type      string         `json:"type"`
	MountPath string         `json:"mount_path"`
	Config    map[string]any `json:"config"`
}

type sink struct {
	Type   string         `json:"type"`
	Config map[string]any `json:"config"`
}

type vaultStanza struct {
	Address       string `json:"address"`
	CACert        string `json:"ca_cert,omitempty"`
	TLSSkipVerify bool   `json:"tls_skip_verify,omitempty"`
}

type templateBlock struct {
	Destination       string `json:"destination"`
	Contents          string `json:"contents,omitempty"`
	Source            string `json:"source,omitempty"`
	LeftDelimiter     string `json:"left_delimiter"`
	RightDelimiter    string `json:"right_delimiter"`
	Command           string `json:"command,omitempty"`
	Perms             string `json:"perms,omitempty"`
	ErrorOnMissingKey bool   `json:"error_on_missing_key"`
}

type templateConfig struct {
	ExitOnRetryFailure         bool   `json:"exit_on_retry_failure"`
	StaticSecretRenderInterval string `json:"static_secret_render_interval,omitempty"`
}

type listener struct {
	Type       string `json:"type"`
	Address    string `json:"address"`
	TLSDisable bool   `json:"tls_disable"`
}

type apiProxy struct {
	UseAutoAuthToken any `json:"use_auto_auth_token"`
}

// defaultTemplate is what vault-k8s renders for a secret without a
// template: "map" prints key: value lines of .Data, "json" its JSON.
func defaultTemplate(kind, secretPath string) string {
	q := fmt.Sprintf("%q", secretPath)
	if kind == "json" {
		return "{{ with secret " + q + " }}{{ .Data | toJSON }}\n{{ end }}"
	}
	return "{{ with secret " + q + " }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n{{ end }}{{ end }}"
}

// config builds the agent configuration for the init container (init) or
// the sidecar.
func (sp *spec) config(init bool) ([]byte, error) {
	c := agentConfig{
		AutoAuth: autoAuth{
			Method: method{Type: sp.authType, MountPath: sp.authPath,
				Config: map[string]any{"role": sp.role, "token_path": saTokenDir + "/token"}},
			Sinks: []sink{{Type: "file", Config: map[string]any{"path": tokenSinkPath}}},
		},
		ExitAfterAuth:  init,
		PidFile:        pidPath,
		Vault:          vaultStanza{Address: sp.address, CACert: sp.caCert, TLSSkipVerify: sp.tlsSkipVerify},
		TemplateConfig: templateConfig{ExitOnRetryFailure: sp.exitOnRetryFailure, StaticSecretRenderInterval: sp.renderInterval},
	}
	if sp.injectToken {
		c.AutoAuth.Sinks = append(c.AutoAuth.Sinks, sink{Type: "file", Config: map[string]any{"path": sp.volumePath + "/token"}})
	}
	for _, s := range sp.secrets {
		file := s.Name
		if s.File != "" {
			file = strings.TrimPrefix(s.File, "/")
		}
		t := templateBlock{Destination: path.Join(sp.mountPathOf(s), file), LeftDelimiter: "{{", RightDelimiter: "}}",
			Command: s.Command, Perms: s.Perms}
		switch {
		case s.TemplateFile != "":
			t.Source = s.TemplateFile
		case s.Template != "":
			t.Contents = s.Template
		default:
			t.Contents = defaultTemplate(sp.defaultTemplate, s.Path)
		}
		c.Templates = append(c.Templates, t)
	}
	if sp.cacheEnable && !init {
		c.Listener = []listener{{Type: "tcp", Address: "127.0.0.1:" + sp.cachePort, TLSDisable: true}}
		c.Cache = &struct{}{}
		use := any(true)
		switch sp.cacheUseAutoAuth {
		case "force":
			use = "force"
		case "false":
			use = false
		}
		c.APIProxy = &apiProxy{UseAutoAuthToken: use}
	}
	return json.Marshal(c)
}
