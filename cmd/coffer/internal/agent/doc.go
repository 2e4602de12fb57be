// Package agent is `coffer agent`: Vault Agent for Coffer, a client of the
// server's HTTP API only.
//
//	coffer agent -config agent.hcl [-exit-after-auth] [-log-level info]
//
// It reads Vault Agent's configuration (package config), logs in with
// auto_auth and writes the token to its sinks (auth, sink), renders
// templates and keeps them current (runner, template), re-rendering on
// Coffer's event stream rather than polling (events), and serves
// api_proxy with an optional cache for local applications (proxy).
//
// With exit_after_auth (or -exit-after-auth, what an init container
// runs) it logs in, writes the sinks, renders every template once and
// exits 0, or exits 1 when a template cannot be rendered. Otherwise it
// runs until SIGINT or SIGTERM. pid_file holds its process id while it
// runs. The agent never logs a token or a secret value.
package agent
