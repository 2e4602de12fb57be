package database

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// PluginPostgres is the one plugin Coffer has, by Vault's name.
const PluginPostgres = "postgresql-database-plugin"

// ConfigState is a connection configuration as a decision sees it.
type ConfigState struct {
	Mount, Name string
	// Config is nil when there is none.
	Config  *databasestore.Config
	Version uint64
}

func (st ConfigState) sequence(events ...ledger.Event) []ledger.Event {
	return commands.Sequence(databaseevent.KindConfig, databaseevent.AggregateID(st.Mount, st.Name), st.Version, events...)
}

func newEvent(typ string, data any) ledger.Event {
	return ledger.MakeEvent(typ, data)
}

// ConfigWrite is a write of database/config/:name. Nil fields were not in
// the request: on an update they keep their value, on a create they take
// their default, as in Vault.
type ConfigWrite struct {
	PluginName             *string
	ConnectionURL          *string
	Username               *string
	Password               *string
	MaxOpenConnections     *int
	MaxIdleConnections     *int
	MaxConnectionLifetime  *time.Duration
	PasswordAuthentication *string
	UsernameTemplate       *string
	AllowedRoles           *[]string
	RootRotationStatements *[]string
	VerifyConnection       *bool
}

// Merged is a configuration write applied to the current configuration:
// what will be recorded, and what the engine verifies before.
type Merged struct {
	Settings databaseevent.ConnectionSettings
	// Password is the root password in force after the write; Changed
	// reports whether the write set it.
	Password string
	Changed  bool
}

// MergeConfig applies w to the current configuration (nil for a new one)
// and validates the result.
func MergeConfig(cur *databasestore.Config, w ConfigWrite) (Merged, error) {
	var m Merged
	if cur != nil {
		m.Settings = cur.ConnectionSettings
		m.Settings.AllowedRoles = slices.Clone(cur.AllowedRoles)
		m.Settings.RootRotationStatements = slices.Clone(cur.RootRotationStatements)
		m.Password = cur.Password
	}
	s := &m.Settings
	set(&s.PluginName, w.PluginName)
	set(&s.ConnectionURL, w.ConnectionURL)
	set(&s.Username, w.Username)
	set(&s.MaxOpenConnections, w.MaxOpenConnections)
	set(&s.MaxIdleConnections, w.MaxIdleConnections)
	set(&s.PasswordAuthentication, w.PasswordAuthentication)
	set(&s.UsernameTemplate, w.UsernameTemplate)
	if w.MaxConnectionLifetime != nil {
		s.MaxConnectionLifetime = int64(*w.MaxConnectionLifetime / time.Second)
	}
	// allowed_roles and root_rotation_statements are not connection
	// details: Vault resets them on a create that omits them.
	if w.AllowedRoles != nil {
		s.AllowedRoles = removeEmpty(*w.AllowedRoles)
	} else if cur == nil {
		s.AllowedRoles = nil
	}
	if w.RootRotationStatements != nil {
		s.RootRotationStatements = removeEmpty(*w.RootRotationStatements)
	}
	// verify_connection defaults to true on every write.
	s.VerifyConnection = true
	set(&s.VerifyConnection, w.VerifyConnection)
	if w.Password != nil {
		m.Password, m.Changed = *w.Password, true
	}

	s.PluginName = strings.TrimSpace(s.PluginName)
	switch {
	case s.PluginName == "":
		return m, invalid("empty plugin name")
	case s.PluginName != PluginPostgres:
		return m, invalid("error creating database object: unsupported plugin_name %q: this server has %q", s.PluginName, PluginPostgres)
	case strings.TrimSpace(s.ConnectionURL) == "":
		return m, invalid("error creating database object: connection_url cannot be empty")
	case s.MaxOpenConnections < 0 || s.MaxIdleConnections < 0 || s.MaxConnectionLifetime < 0:
		return m, invalid("error creating database object: max_open_connections, max_idle_connections and max_connection_lifetime cannot be negative")
	}
	switch s.PasswordAuthentication {
	case "", "password", "scram-sha-256":
	default:
		return m, invalid(`error creating database object: password_authentication must be "password" or "scram-sha-256"`)
	}
	return m, nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// removeEmpty drops blank entries, as Vault's strutil.RemoveEmpty does.
func removeEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// ConfigWarnings are Vault's warnings for a written configuration.
func ConfigWarnings(s databaseevent.ConnectionSettings) []string {
	if u, err := url.Parse(s.ConnectionURL); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return []string{"Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information."}
		}
	}
	return nil
}

// DecideWriteConfig records a merged configuration write.
func DecideWriteConfig(st ConfigState, m Merged) ([]ledger.Event, error) {
	e := databaseevent.ConfigWritten{Mount: st.Mount, Name: st.Name, Settings: m.Settings}
	if m.Changed || st.Config == nil {
		pw := m.Password
		e.Password = &pw
	}
	return st.sequence(newEvent(databaseevent.EventConfigWritten, e)), nil
}

// DecideDeleteConfig records a deletion; deleting nothing is a no-op.
func DecideDeleteConfig(st ConfigState) []ledger.Event {
	if st.Config == nil {
		return nil
	}
	return st.sequence(newEvent(databaseevent.EventConfigDeleted, databaseevent.ConfigDeleted{Mount: st.Mount, Name: st.Name}))
}
