// Package database holds the database secrets engine's commands: pure
// decide functions over a connection configuration or a role, and a Runner
// that loads their state from the projections and appends their events
// through the command bus.
//
// Decide functions validate what needs no database (plugin name, empty
// fields, Vault's merge-on-update rules) and never see a connection; the
// engine verifies connections and statement syntax before it runs them.
// Lease TTLs and the allowed_roles check are decided here too, as pure
// functions, so their rules are tested without a server.
package database
