package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The shape of Vault Agent's documented example, with the tutorial's
// Kubernetes role and template.
const hclConfig = `
pid_file = "/tmp/agent.pid"
exit_after_auth = false
log_level = "debug"

vault {
  address = "https://127.0.0.1:8200"
  ca_cert = "/etc/coffer/ca.crt"
  retry {
    num_retries = 5
  }
}

auto_auth {
  method "kubernetes" {
    mount_path = "auth/kubernetes/"
    min_backoff = "2s"
    max_backoff = 60
    config = {
      role = "myapp"
      token_path = "/var/run/secrets/kubernetes.io/serviceaccount/token"
    }
  }
  sink "file" {
    config = {
      path = "/home/vault/.vault-token"
      mode = 0600
    }
  }
  sink {
    type = "file"
    config {
      path = "/tmp/second-token"
      mode = "0640"
    }
  }
}

template_config {
  static_secret_render_interval = "10m"
  exit_on_retry_failure = true
}

template {
  destination = "/vault/secrets/db-creds"
  perms = "0600"
  command = "pkill -HUP myapp"
  contents = <<EOT
{{- with secret "database/creds/myapp-readwrite" -}}
DB_USERNAME={{ .Data.username }}
DB_PASSWORD={{ .Data.password }}
{{- end -}}
EOT
}

template {
  source = "/etc/templates/config.tmpl"
  destination = "/vault/secrets/config"
  command = ["/usr/bin/reload", "--now"]
  left_delimiter = "[["
  right_delimiter = "]]"
  error_on_missing_key = true
}

api_proxy {
  use_auto_auth_token = "force"
}

listener "tcp" {
  address = "127.0.0.1:8100"
  tls_disable = true
}
`

func TestParseVaultAgentHCL(t *testing.T) {
	cfg, err := Parse([]byte(hclConfig), "agent.hcl")
	require.NoError(t, err)
	require.Equal(t, "/tmp/agent.pid", cfg.PidFile)
	require.Equal(t, "https://127.0.0.1:8200", cfg.Vault.Address)
	require.Equal(t, 5, cfg.Vault.NumRetries)
	m := cfg.AutoAuth.Method
	require.Equal(t, "kubernetes", m.Type)
	require.Equal(t, "auth/kubernetes", m.MountPath)
	require.Equal(t, 2*time.Second, m.MinBackoff)
	require.Equal(t, time.Minute, m.MaxBackoff)
	require.Equal(t, "myapp", m.Config["role"])
	require.Len(t, cfg.AutoAuth.Sinks, 2)
	require.Equal(t, Sink{Type: "file", Path: "/home/vault/.vault-token", Mode: 0o600}, cfg.AutoAuth.Sinks[0])
	require.Equal(t, Sink{Type: "file", Path: "/tmp/second-token", Mode: 0o640}, cfg.AutoAuth.Sinks[1])
	require.Equal(t, 10*time.Minute, cfg.TemplateCfg.StaticSecretRenderInterval)
	require.True(t, cfg.TemplateCfg.ExitOnRetryFailure)
	require.Len(t, cfg.Templates, 2)
	db := cfg.Templates[0]
	require.Equal(t, os.FileMode(0o600), db.Perms)
	require.Equal(t, []string{"/bin/sh", "-c", "pkill -HUP myapp"}, db.Command)
	require.Contains(t, db.Contents, `{{- with secret "database/creds/myapp-readwrite" -}}`)
	require.Equal(t, "{{", db.LeftDelim)
	c := cfg.Templates[1]
	require.Equal(t, []string{"/usr/bin/reload", "--now"}, c.Command)
	require.Equal(t, "[[", c.LeftDelim)
	require.True(t, c.ErrorOnMissingKey)
	require.Equal(t, DefaultTemplatePerms, c.Perms)
	require.Equal(t, &APIProxy{UseAutoAuthToken: true, ForceAutoAuthToken: true}, cfg.APIProxy)
	require.Equal(t, []Listener{{Type: "tcp", Address: "127.0.0.1:8100", TLSDisable: true}}, cfg.Listeners)
	require.Len(t, cfg.Warnings, 1)
	require.Contains(t, cfg.Warnings[0], "agent.hcl:4:1: config: log_level is accepted without effect")
}

// vault-k8s writes JSON, with the method as an object carrying its type
// and sinks as a list.
const k8sJSON = `{
  "auto_auth": {
    "method": {"type": "kubernetes", "mount_path": "auth/kubernetes",
               "config": {"role": "myapp", "token_path": "/var/run/secrets/kubernetes.io/serviceaccount/token"}},
    "sink": [{"type": "file", "config": {"path": "/home/vault/.vault-token"}}]
  },
  "exit_after_auth": true,
  "pid_file": "/home/vault/.pid",
  "vault": {"address": "https://coffer.coffer.svc:8200"},
  "template": [
    {"destination": "/vault/secrets/db-creds", "contents": "{{ with secret \"database/creds/myapp-readwrite\" }}{{ .Data.username }}{{ end }}",
     "left_delimiter": "{{", "right_delimiter": "}}", "error_on_missing_key": false},
    {"destination": "/vault/secrets/other", "contents": "x"}
  ],
  "template_config": {"exit_on_retry_failure": true, "static_secret_render_interval": "30s"}
}`

func TestParseVaultK8sJSON(t *testing.T) {
	cfg, err := Parse([]byte(k8sJSON), "config.json")
	require.NoError(t, err)
	require.True(t, cfg.ExitAfterAuth)
	require.Equal(t, "kubernetes", cfg.AutoAuth.Method.Type)
	require.Equal(t, "/var/run/secrets/kubernetes.io/serviceaccount/token", cfg.AutoAuth.Method.Config["token_path"])
	require.Equal(t, []Sink{{Type: "file", Path: "/home/vault/.vault-token", Mode: DefaultSinkMode}}, cfg.AutoAuth.Sinks)
	require.Len(t, cfg.Templates, 2)
	require.Equal(t, "/vault/secrets/db-creds", cfg.Templates[0].Destination)
	require.Equal(t, 30*time.Second, cfg.TemplateCfg.StaticSecretRenderInterval)
	require.Empty(t, cfg.Warnings)
}

func TestParseDefaultsAndSynonyms(t *testing.T) {
	cfg, err := Parse([]byte(`
coffer { address = "http://127.0.0.1:8200" }
auto_auth {
  method { 
    type = "approle"
    config { role_id_file_path = "/r" }
  }
}
auto_auth2 = 1
`), "a.hcl")
	require.Error(t, err)
	require.Contains(t, err.Error(), `a.hcl:9:1: config: unknown key "auto_auth2"`)

	cfg, err = Parse([]byte(`
coffer { address = "http://127.0.0.1:8200" }
auto_auth {
  method { 
    type = "token_file"
    config { token_file_path = "/t" }
  }
}
cache {
  use_auto_auth_token = true
}
listener "unix" { address = "/tmp/agent.sock" }
`), "a.hcl")
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:8200", cfg.Vault.Address)
	require.Equal(t, DefaultNumRetries, cfg.Vault.NumRetries)
	require.Equal(t, "auth/token", cfg.AutoAuth.Method.MountPath)
	require.Equal(t, DefaultMinBackoff, cfg.AutoAuth.Method.MinBackoff)
	require.Equal(t, DefaultStaticSecretRenderInterval, cfg.TemplateCfg.StaticSecretRenderInterval)
	require.Equal(t, &APIProxy{UseAutoAuthToken: true}, cfg.APIProxy)
	require.NotNil(t, cfg.Cache)
}

func TestParseRefusesWithPositions(t *testing.T) {
	for name, tc := range map[string]struct{ src, want string }{
		"unknown template key": {`template {
  destination = "/x"
  contents = "y"
  destinaton = "/z"
}`, `t.hcl:4:3: template: unknown key "destinaton"`},
		"exec mode":             {`exec { command = ["x"] }`, "t.hcl:1:1: config: exec is not supported"},
		"unsupported method":    {`auto_auth { method "aws" { config = { role = "x" } } }`, `auto_auth method "aws" is not supported`},
		"label and type differ": {`auto_auth { method "approle" { type = "kubernetes" } }`, `method "approle" has type "kubernetes"`},
		"sink without path": {`auto_auth {
  method "token_file" { config = { token_file_path = "/t" } }
  sink "file" { config = { mode = 0600 } }
}`, "sink.config.path is required"},
		"wrapped sink": {`auto_auth { method "token_file" {} 
 sink "file" { wrap_ttl = "5m" 
 config = { path = "/x" } } }`, "sink: wrap_ttl is not supported"},
		"source and contents": {`template { source = "/a" 
 contents = "b" 
 destination = "/c" }`, "template has both source and contents"},
		"no destination": {`template { contents = "b" }`, "template needs a destination"},
		"bad duration":   {`template_config { static_secret_render_interval = "soon" }`, "soon is not a duration"},
		"bad perms": {`template { contents = "b" 
 destination = "/c" 
 perms = "rw" }`, "template.perms: rw is not a file mode"},
		"two vault blocks": {`vault { address = "http://a:1" } 
vault { address = "http://b:1" }`, "only one vault block is allowed"},
		"duplicate attribute": {`pid_file = "/a"
pid_file = "/b"`, `"pid_file" at 2:1 was already set`},
		"bad address":          {`vault { address = "127.0.0.1:8200" }`, "must be an http:// or https:// URL"},
		"listener without tls": {`listener "tcp" { address = "127.0.0.1:1" }`, "needs tls_cert_file and tls_key_file, or tls_disable = true"},
		"syntax":               {`vault {`, "t.hcl: "},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "t.hcl")
			require.Error(t, err)
			require.True(t, errors.Is(err, ErrInvalid))
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestLoadReadsFile(t *testing.T) {
	path := t.TempDir() + "/agent.hcl"
	require.NoError(t, os.WriteFile(path, []byte(`vault { address = "http://127.0.0.1:1" }`), 0o600))
	cfg, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:1", cfg.Vault.Address)
	_, err = Load(path + ".missing")
	require.Error(t, err)
	require.False(t, strings.Contains(err.Error(), "\n"))
}
