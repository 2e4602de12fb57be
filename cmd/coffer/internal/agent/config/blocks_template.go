package config

import (
	"github.com/hashicorp/hcl/hcl/ast"
)

var templateRules = rules{
	known: []string{"source", "contents", "destination", "perms", "command", "command_timeout",
		"error_on_missing_key", "create_dest_dirs", "left_delimiter", "right_delimiter", "backup"},
	accepted: map[string]string{
		"user":               "the file belongs to the agent's user",
		"group":              "the file belongs to the agent's group",
		"sandbox_path":       "template functions read no local files but env",
		"function_denylist":  "file and writeToFile are not available anyway",
		"function_blacklist": "file and writeToFile are not available anyway",
		"error_fatal":        "template_config.exit_on_retry_failure decides",
		"config_permissions": "the agent does not write its configuration",
	},
	refused: map[string]string{
		"exec": "use command",
	},
}

var templateConfigRules = rules{
	known: []string{"static_secret_render_interval", "exit_on_retry_failure", "lease_renewal_threshold"},
	accepted: map[string]string{
		"max_connections_per_host": "the agent's HTTP client pools connections itself",
	},
}

func (d *decoder) templateConfig(root *ast.ObjectList, cfg *Config) {
	list, _, ok := d.single(root, "template_config")
	if !ok {
		return
	}
	d.check(list, "template_config", templateConfigRules)
	tc := &cfg.TemplateCfg
	if d.duration(list, "static_secret_render_interval", "template_config", &tc.StaticSecretRenderInterval) && tc.StaticSecretRenderInterval <= 0 {
		d.errorf(d.attr(list, "static_secret_render_interval").Val.Pos(), "template_config.static_secret_render_interval must be positive")
	}
	d.boolean(list, "exit_on_retry_failure", "template_config", &tc.ExitOnRetryFailure)
	if d.float(list, "lease_renewal_threshold", "template_config", &tc.LeaseRenewalThreshold) &&
		(tc.LeaseRenewalThreshold <= 0 || tc.LeaseRenewalThreshold >= 1) {
		d.errorf(d.attr(list, "lease_renewal_threshold").Val.Pos(), "template_config.lease_renewal_threshold must be between 0 and 1")
	}
}

func (d *decoder) template(it *ast.ObjectItem) (Template, bool) {
	body := d.body(it, "template")
	d.check(body, "template", templateRules)
	t := Template{Perms: DefaultTemplatePerms, CommandTimeout: DefaultCommandTimeout, LeftDelim: "{{", RightDelim: "}}", CreateDestDirs: true}
	d.str(body, "source", "template", &t.Source)
	d.str(body, "contents", "template", &t.Contents)
	d.str(body, "destination", "template", &t.Destination)
	d.mode(body, "perms", "template", &t.Perms)
	d.duration(body, "command_timeout", "template", &t.CommandTimeout)
	d.boolean(body, "error_on_missing_key", "template", &t.ErrorOnMissingKey)
	d.boolean(body, "create_dest_dirs", "template", &t.CreateDestDirs)
	d.boolean(body, "backup", "template", &t.Backup)
	if d.str(body, "left_delimiter", "template", &t.LeftDelim) && t.LeftDelim == "" {
		t.LeftDelim = "{{"
	}
	if d.str(body, "right_delimiter", "template", &t.RightDelim) && t.RightDelim == "" {
		t.RightDelim = "}}"
	}
	if c := d.attr(body, "command"); c != nil {
		switch v := d.value(c.Val).(type) {
		case string:
			if v != "" {
				// Vault Agent runs a single string through the shell.
				t.Command = []string{"/bin/sh", "-c", v}
			}
		case []any:
			for _, a := range v {
				s, ok := a.(string)
				if !ok {
					d.errorf(c.Val.Pos(), "template.command must be a string or a list of strings")
					break
				}
				t.Command = append(t.Command, s)
			}
		default:
			d.errorf(c.Val.Pos(), "template.command must be a string or a list of strings")
		}
	}
	ok := true
	switch {
	case t.Source == "" && t.Contents == "":
		d.errorf(posOf(it), "template needs source or contents")
		ok = false
	case t.Source != "" && t.Contents != "":
		d.errorf(posOf(it), "template has both source and contents; use one")
		ok = false
	}
	if t.Destination == "" {
		d.errorf(posOf(it), "template needs a destination")
		ok = false
	}
	return t, ok
}
