// Package mountevent is the event schema of the mount table: the event
// types and payloads of enabling, tuning and disabling secrets engines and
// auth methods, and the aggregates that order them (one per mount path,
// plus the single mount_table aggregate every enable and disable also
// revises, so two concurrent enables of nested paths cannot both pass the
// overlap check). Auth methods are mounts whose path starts with "auth/".
package mountevent
