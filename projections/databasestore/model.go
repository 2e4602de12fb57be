package databasestore

import (
	"time"

	"github.com/cofferhq/coffer/events/databaseevent"
)

// Config is a connection configuration as the engine uses it. Password and
// PendingPassword are opened from their sealed form when the record is
// read and never stored as they are.
type Config struct {
	Name string
	databaseevent.ConnectionSettings
	Password string
	// PendingPassword is a rotated root password the database may or may
	// not have accepted yet (a rotation in flight, or interrupted).
	PendingPassword string
	// Version is the configuration aggregate's version: pools are reopened
	// when it changes.
	Version uint64
}

// Role is a role as the engine uses it.
type Role struct {
	Name       string
	DBName     string
	Statements databaseevent.Statements
	DefaultTTL time.Duration
	MaxTTL     time.Duration
	Version    uint64
}

// configRecord is a configuration as pebble holds it.
type configRecord struct {
	Name     string                           `json:"name"`
	Settings databaseevent.ConnectionSettings `json:"settings"`
	// Password and Pending are sealed by the barrier (PasswordAAD).
	Password []byte `json:"password,omitzero"`
	Pending  []byte `json:"pending,omitzero"`
}

// roleRecord is a role as pebble holds it.
type roleRecord struct {
	Name       string                   `json:"name"`
	DBName     string                   `json:"db_name"`
	Statements databaseevent.Statements `json:"statements"`
	DefaultTTL int64                    `json:"default_ttl"`
	MaxTTL     int64                    `json:"max_ttl"`
}
