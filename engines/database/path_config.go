package database

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	cmddb "github.com/cofferhq/coffer/commands/database"
	"github.com/cofferhq/coffer/engines/database/postgres"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/projections/databasestore"
)

// verifyTimeout bounds the connect-and-ping of verify_connection.
const verifyTimeout = 15 * time.Second

func (b *Backend) configPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "config/?",
			Fields:     map[string]*framework.FieldSchema{},
			Synopsis:   "Configure connection details to a database plugin.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ListOperation: b.handleListConfigs},
		},
		{
			Pattern:  "config/" + framework.GenericNameRegex("name"),
			Fields:   configFields,
			Synopsis: "Configure connection details to a database plugin.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.CreateOperation: b.handleWriteConfig,
				framework.UpdateOperation: b.handleWriteConfig,
				framework.ReadOperation:   b.handleReadConfig,
				framework.DeleteOperation: b.handleDeleteConfig,
			},
			ExistenceCheck: func(req *framework.Request) (bool, error) {
				return databasestore.ConfigExists(b.e.deps.Store, b.mount, req.Vars["name"])
			},
		},
		{
			Pattern:    "reset/" + framework.GenericNameRegex("name"),
			Fields:     nameField,
			Synopsis:   "Resets a database plugin.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: b.handleReset},
		},
	}
}

func (b *Backend) handleListConfigs(req *framework.Request) (*framework.Response, error) {
	names, err := databasestore.ListConfigs(b.e.deps.Store, b.mount)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: map[string]any{"keys": names}}, nil
}

// configWrite reads the fields of database/config/:name.
func configWrite(req *framework.Request) cmddb.ConfigWrite {
	var w cmddb.ConfigWrite
	for key, dst := range map[string]**string{
		"plugin_name": &w.PluginName, "connection_url": &w.ConnectionURL, "username": &w.Username,
		"password": &w.Password, "password_authentication": &w.PasswordAuthentication,
		"username_template": &w.UsernameTemplate,
	} {
		*dst = optString(req, key)
	}
	w.MaxOpenConnections = optInt(req, "max_open_connections")
	w.MaxIdleConnections = optInt(req, "max_idle_connections")
	w.MaxConnectionLifetime = optDuration(req, "max_connection_lifetime")
	w.AllowedRoles = optList(req, "allowed_roles")
	w.RootRotationStatements = optList(req, "root_rotation_statements")
	w.VerifyConnection = optBool(req, "verify_connection")
	return w
}

func (b *Backend) handleWriteConfig(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	m, err := b.runner.WriteConfig(req.Context(), name, configWrite(req), verifyConfig)
	if err != nil {
		return nil, err
	}
	if warnings := cmddb.ConfigWarnings(m.Settings); len(warnings) > 0 {
		return &framework.Response{Warnings: warnings}, nil
	}
	return nil, nil
}

// verifyConfig checks a configuration before it is recorded: the plugin
// accepts its settings (the URL parses, the username template runs) and,
// unless verify_connection is false, the database answers a ping with its
// credentials. Nothing is recorded when it fails.
func verifyConfig(ctx context.Context, m cmddb.Merged) error {
	if err := checkSyntax(m.Settings.RootRotationStatements); err != nil {
		return framework.BadRequest("error creating database object: root_rotation_statements: %v", err)
	}
	db, err := postgres.Open(ctx, pgConfig(m.Settings, m.Password))
	if err != nil {
		return framework.BadRequest("error creating database object: %v", err)
	}
	defer db.Close()
	if !m.Settings.VerifyConnection {
		return nil
	}
	vctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	if err := db.VerifyConnection(vctx); err != nil {
		return framework.BadRequest("error creating database object: error verifying connection: %v", err)
	}
	return nil
}

func (b *Backend) handleReadConfig(req *framework.Request) (*framework.Response, error) {
	c, err := b.config(req.Vars["name"])
	if errors.Is(err, databasestore.ErrNotFound) {
		return nil, framework.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: configData(c.ConnectionSettings)}, nil
}

// configData is Vault's read of a configuration: the connection details
// as written, never the password, and a connection_url with a literal
// password in it redacted.
func configData(s databaseevent.ConnectionSettings) map[string]any {
	details := map[string]any{"connection_url": redactURL(s.ConnectionURL)}
	if s.Username != "" {
		details["username"] = s.Username
	}
	if s.MaxOpenConnections > 0 {
		details["max_open_connections"] = s.MaxOpenConnections
	}
	if s.MaxIdleConnections > 0 {
		details["max_idle_connections"] = s.MaxIdleConnections
	}
	if s.MaxConnectionLifetime > 0 {
		details["max_connection_lifetime"] = (time.Duration(s.MaxConnectionLifetime) * time.Second).String()
	}
	if s.PasswordAuthentication != "" {
		details["password_authentication"] = s.PasswordAuthentication
	}
	if s.UsernameTemplate != "" {
		details["username_template"] = s.UsernameTemplate
	}
	return map[string]any{
		"plugin_name":                        s.PluginName,
		"plugin_version":                     "",
		"connection_details":                 details,
		"allowed_roles":                      orEmpty(s.AllowedRoles),
		"root_credentials_rotate_statements": orEmpty(s.RootRotationStatements),
		"password_policy":                    "",
		"verify_connection":                  s.VerifyConnection,
	}
}

// redactURL hides a password written literally into a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); !ok {
		return raw
	}
	return u.Redacted()
}

func (b *Backend) handleDeleteConfig(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	if _, err := b.runner.DeleteConfig(req.Context(), name); err != nil {
		return nil, err
	}
	b.e.pools.evict(b.mount, name)
	return nil, nil
}

// handleReset closes the configuration's pool and connects anew.
func (b *Backend) handleReset(req *framework.Request) (*framework.Response, error) {
	name := req.Vars["name"]
	c, err := b.config(name)
	if errors.Is(err, databasestore.ErrNotFound) {
		return nil, framework.BadRequest("failed to find entry for connection with name: %q", name)
	}
	if err != nil {
		return nil, err
	}
	b.e.pools.evict(b.mount, name)
	db, err := b.e.pools.get(req.Context(), b.mount, c)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(req.Context(), verifyTimeout)
	defer cancel()
	if err := db.VerifyConnection(ctx); err != nil {
		return nil, framework.Errorf(http.StatusInternalServerError, "error resetting connection: %v", err)
	}
	return nil, nil
}
