package databaseevent

import "github.com/cofferhq/coffer/ledger"

// Event types the database commands append. Configuration events belong to
// aggregate kind KindConfig, role events to KindRole; both with id
// AggregateID(mount, name).
const (
	EventConfigWritten       = "database.config_written"
	EventConfigDeleted       = "database.config_deleted"
	EventRootRotationStarted = "database.root_rotation_started"
	EventRootRotated         = "database.root_rotated"
	EventRootRotationFailed  = "database.root_rotation_failed"
	EventRoleWritten         = "database.role_written"
	EventRoleDeleted         = "database.role_deleted"
)

// Schema is the payload layout version every database event type is
// written with.
const Schema = 1

// Aggregate kinds.
const (
	KindConfig = "database.config"
	KindRole   = "database.role"
)

// AggregateID names one configuration or role of one mount.
func AggregateID(mount, name string) string { return mount + "/" + name }

// ConnectionSettings are a configuration's settings apart from its name and
// root password: what database/config/:name writes and reads back.
type ConnectionSettings struct {
	PluginName    string `json:"plugin_name"`
	ConnectionURL string `json:"connection_url"`
	Username      string `json:"username,omitzero"`
	// MaxOpenConnections caps the pool (0: the plugin's default, 4).
	MaxOpenConnections     int    `json:"max_open_connections,omitzero"`
	MaxIdleConnections     int    `json:"max_idle_connections,omitzero"`
	MaxConnectionLifetime  int64  `json:"max_connection_lifetime,omitzero"` // seconds
	PasswordAuthentication string `json:"password_authentication,omitzero"`
	UsernameTemplate       string `json:"username_template,omitzero"`
	// AllowedRoles are role names or globs ("*", "app-*"); empty allows
	// none.
	AllowedRoles           []string `json:"allowed_roles,omitzero"`
	RootRotationStatements []string `json:"root_rotation_statements,omitzero"`
	VerifyConnection       bool     `json:"verify_connection"`
}

// ConfigWritten records a configuration after a write. Password is the root
// password in plaintext (the event is encrypted by the ledger); nil keeps
// the password the configuration had.
type ConfigWritten struct {
	Mount    string             `json:"mount"`
	Name     string             `json:"name"`
	Settings ConnectionSettings `json:"settings"`
	Password *string            `json:"password,omitempty"`
}

// ConfigDeleted records that a configuration is gone.
type ConfigDeleted struct {
	Mount string `json:"mount"`
	Name  string `json:"name"`
}

// RootRotationStarted records a new root password before the database is
// asked to accept it.
type RootRotationStarted struct {
	Mount    string `json:"mount"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// RootRotated records that the database accepted the pending password; it
// is now the only one that works. It carries no password.
type RootRotated struct {
	Mount string `json:"mount"`
	Name  string `json:"name"`
}

// RootRotationFailed records that the database refused the pending
// password; the current one still works. Error holds no secret.
type RootRotationFailed struct {
	Mount string `json:"mount"`
	Name  string `json:"name"`
	Error string `json:"error"`
}

// Statements are a role's SQL, each entry possibly several statements.
type Statements struct {
	Creation   []string `json:"creation,omitzero"`
	Revocation []string `json:"revocation,omitzero"`
	Rollback   []string `json:"rollback,omitzero"`
	Renew      []string `json:"renew,omitzero"`
}

// RoleWritten records a role after a write. TTLs are in seconds.
type RoleWritten struct {
	Mount      string     `json:"mount"`
	Name       string     `json:"name"`
	DBName     string     `json:"db_name"`
	Statements Statements `json:"statements"`
	DefaultTTL int64      `json:"default_ttl"`
	MaxTTL     int64      `json:"max_ttl"`
}

// RoleDeleted records that a role is gone.
type RoleDeleted struct {
	Mount string `json:"mount"`
	Name  string `json:"name"`
}

func init() {
	for typ, payload := range map[string]any{
		EventConfigWritten:       ConfigWritten{},
		EventConfigDeleted:       ConfigDeleted{},
		EventRootRotationStarted: RootRotationStarted{},
		EventRootRotated:         RootRotated{},
		EventRootRotationFailed:  RootRotationFailed{},
		EventRoleWritten:         RoleWritten{},
		EventRoleDeleted:         RoleDeleted{},
	} {
		ledger.RegisterEventType(typ, Schema, payload)
	}
}
