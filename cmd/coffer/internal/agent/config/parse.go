package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
)

// Error lists every problem of a configuration, each as file:line:col.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "agent config: " + strings.Join(e.Problems, "\n  ")
}

func (e *Error) Unwrap() error { return ErrInvalid }

// Load reads and validates the file at path.
func Load(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("agent config: read %s: %w", path, err)
	}
	return Parse(src, path)
}

var rootRules = rules{
	known: []string{"pid_file", "exit_after_auth", "vault", "coffer", "auto_auth", "template", "template_config",
		"api_proxy", "cache", "listener"},
	accepted: map[string]string{
		"log_level":                "the agent logs at info",
		"log_format":               "the agent logs plain text",
		"log_file":                 "the agent logs to stderr",
		"log_rotate_bytes":         "the agent logs to stderr",
		"log_rotate_duration":      "the agent logs to stderr",
		"log_rotate_max_files":     "the agent logs to stderr",
		"telemetry":                "the agent has no telemetry sink",
		"disable_idle_connections": "connections are managed by the Go client",
		"disable_keep_alives":      "connections are managed by the Go client",
		"disable_mlock":            "the agent never locks memory",
		"template_retry":           "use template_config and vault.retry",
	},
	refused: map[string]string{
		"env_template": "Coffer's agent has no process supervisor mode; render files with template blocks",
		"exec":         "Coffer's agent has no process supervisor mode; use a template's command",
	},
}

// Parse is Load for a file already read; filename names it in errors.
// The syntax is HCL1, or JSON when the text starts with "{".
func Parse(src []byte, filename string) (*Config, error) {
	d := &decoder{file: filename}
	f, err := hcl.ParseBytes(src)
	if err != nil {
		return nil, &Error{Problems: []string{fmt.Sprintf("%s: %v", filename, err)}}
	}
	root, ok := f.Node.(*ast.ObjectList)
	if !ok {
		return nil, &Error{Problems: []string{filename + ": the file must be a list of stanzas"}}
	}
	cfg := &Config{TemplateCfg: TemplateConfig{
		StaticSecretRenderInterval: DefaultStaticSecretRenderInterval,
		LeaseRenewalThreshold:      0.9,
	}}
	d.check(root, "config", rootRules)
	d.str(root, "pid_file", "config", &cfg.PidFile)
	d.boolean(root, "exit_after_auth", "config", &cfg.ExitAfterAuth)
	d.vault(root, cfg)
	d.autoAuth(root, cfg)
	d.templateConfig(root, cfg)
	for _, it := range filter(root, "template") {
		if t, ok := d.template(it); ok {
			cfg.Templates = append(cfg.Templates, t)
		}
	}
	d.proxy(root, cfg)
	d.listeners(root, cfg)
	d.validate(cfg)
	cfg.Warnings = d.warnings
	if len(d.problems) > 0 {
		return nil, &Error{Problems: d.problems}
	}
	return cfg, nil
}

// validate checks what only the whole file can tell.
func (d *decoder) validate(cfg *Config) {
	if cfg.Vault.Address == "" {
		// The address may still come from VAULT_ADDR / COFFER_ADDR.
		cfg.Vault.Address = firstNonEmpty(os.Getenv("COFFER_ADDR"), os.Getenv("VAULT_ADDR"))
	}
	if cfg.APIProxy != nil && cfg.APIProxy.UseAutoAuthToken && cfg.AutoAuth == nil {
		d.errorf(posNone, "api_proxy.use_auto_auth_token needs an auto_auth block")
	}
	if (cfg.APIProxy != nil || cfg.Cache != nil) && len(cfg.Listeners) == 0 {
		d.errorf(posNone, "api_proxy and cache need at least one listener block")
	}
	if len(cfg.Listeners) > 0 && cfg.APIProxy == nil && cfg.Cache == nil {
		// Vault Agent serves the proxy whenever a listener exists.
		cfg.APIProxy = &APIProxy{}
	}
	if cfg.AutoAuth == nil && len(cfg.Templates) > 0 {
		// Templates then use VAULT_TOKEN, as Vault Agent does.
		if os.Getenv("VAULT_TOKEN") == "" && os.Getenv("COFFER_TOKEN") == "" {
			d.errorf(posNone, "templates need an auto_auth block (or VAULT_TOKEN in the environment)")
		}
	}
	seen := map[string]bool{}
	for _, t := range cfg.Templates {
		if seen[t.Destination] {
			d.errorf(posNone, "two templates write %s", t.Destination)
		}
		seen[t.Destination] = true
	}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
