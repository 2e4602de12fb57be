// Package config reads a Vault Agent configuration file for `coffer agent`.
//
// The syntax is HCL1 (or its JSON form, which vault-k8s generates), parsed
// with HashiCorp's own HCL1 parser, the one Vault Agent uses, so a file
// Vault Agent accepts is read the same way here: `method "kubernetes" {}`
// and `method { type = "kubernetes" }`, `config { ... }` and
// `config = { ... }`, octal literals such as `mode = 0640`, durations as
// "5m" or whole seconds, and `coffer {}` as a synonym of `vault {}`.
//
// Stanzas:
//
//	pid_file, exit_after_auth
//	vault { address, ca_cert, ca_path, client_cert, client_key,
//	        tls_skip_verify, tls_server_name, retry { num_retries } }
//	auto_auth {
//	  method "token_file" | "approle" | "kubernetes" {
//	    mount_path, min_backoff, max_backoff, exit_on_err, config { ... } }
//	  sink "file" { config { path, mode } }
//	}
//	template_config { static_secret_render_interval, exit_on_retry_failure }
//	template { source | contents, destination, perms, command,
//	           command_timeout, error_on_missing_key, create_dest_dirs,
//	           left_delimiter, right_delimiter, backup }
//	api_proxy { use_auto_auth_token }   cache { }
//	listener "tcp" { address, tls_disable, tls_cert_file, tls_key_file }
//	listener "unix" { address, socket_mode }
//
// Nothing is ignored silently. An unknown stanza or attribute is an error
// naming its line and column. Vault settings Coffer accepts without acting
// on them (log_file, telemetry, disable_idle_connections, ...) are listed
// in Config.Warnings. Vault features the agent does not have (env_template,
// exec, sink wrapping and encryption, auto_auth methods other than the
// three above) are errors, so a configuration never appears to work while
// doing less than it says.
package config
