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
// Records are kept in pebble under "mount/<path>" as JSON. They hold no
// secret material (paths, types, TTLs, options), so they are not sealed.
//
// Table is the in-memory routing copy the gateway consults on every
// request: a longest-prefix match with no pebble read, rebuilt by Reload
// whenever a committed record's type starts with "mount.".
package mountstore
