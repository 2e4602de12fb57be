// Package mountstore is the read model of the mount table: which secrets
// engine serves which path prefix, with its tunable configuration.
//
// A mount is an aggregate of kind "mount" whose id is its path with a
// trailing slash ("secret/"). Enabling, tuning and disabling it are the
// events mount.enabled, mount.tuned and mount.disabled; every enable and
// disable also records mount.table_revised on the single "mount_table"
// aggregate, so two concurrent enables of nested paths ("a/" and "a/b/")
// cannot both pass the overlap check.
//
// Records are kept in pebble under "mount/<hex HMAC of the path>" as JSON
// sealed by the barrier (projections.PutJSON): descriptions and options are
// what an operator wrote, and nothing an operator wrote is left readable
// in the data dir.
//
// Table is the in-memory routing copy the gateway consults on every
// request: a longest-prefix match with no pebble read, rebuilt by Reload
// whenever a committed record's type starts with "mount.".
package mountstore
