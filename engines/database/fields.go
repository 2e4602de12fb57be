package database

import (
	"time"

	"github.com/cofferhq/coffer/engines/framework"
)

// Optional field readers over the declared fields: nil when the field is
// absent, as the commands' merge-on-update rules need.

func optString(req *framework.Request, key string) *string {
	v, ok := req.StringOk(key)
	if !ok {
		return nil
	}
	return &v
}

func optInt(req *framework.Request, key string) *int {
	v, ok := req.IntOk(key)
	if !ok {
		return nil
	}
	return &v
}

func optBool(req *framework.Request, key string) *bool {
	v, ok := req.BoolOk(key)
	if !ok {
		return nil
	}
	return &v
}

func optDuration(req *framework.Request, key string) *time.Duration {
	v, ok := req.DurationOk(key)
	if !ok {
		return nil
	}
	return &v
}

// optList reads a list field (TypeCommaStringSlice for allowed_roles, which
// splits "a,b"; TypeStringSlice for statements, which never splits a
// string: SQL is full of commas, and the plugin splits on semicolons).
func optList(req *framework.Request, key string) *[]string {
	v, ok := req.StringsOk(key)
	if !ok {
		return nil
	}
	return &v
}

// orEmpty makes a nil list an empty one, as Vault reads lists.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Field declarations of the database paths.
var (
	nameField = map[string]*framework.FieldSchema{
		"name": {Type: framework.TypeString, Description: "Name of the connection or role."},
	}
	configFields = map[string]*framework.FieldSchema{
		"name":                     {Type: framework.TypeString, Description: "Name of this database connection"},
		"plugin_name":              {Type: framework.TypeString, Description: "The name of a builtin or previously registered plugin known to Coffer (postgresql-database-plugin)."},
		"connection_url":           {Type: framework.TypeString, Description: "PostgreSQL connection URL, with {{username}} and {{password}} templates."},
		"username":                 {Type: framework.TypeString, Description: "The root credential's username."},
		"password":                 {Type: framework.TypeString, Description: "The root credential's password."},
		"password_authentication":  {Type: framework.TypeString, Description: "How passwords are sent: password (default) or scram-sha-256."},
		"username_template":        {Type: framework.TypeString, Description: "Template describing how dynamic usernames are generated."},
		"max_open_connections":     {Type: framework.TypeInt, Description: "Maximum number of open connections to the database."},
		"max_idle_connections":     {Type: framework.TypeInt, Description: "Maximum number of idle connections to the database."},
		"max_connection_lifetime":  {Type: framework.TypeDurationSecond, Description: "Maximum amount of time a connection may be reused."},
		"allowed_roles":            {Type: framework.TypeCommaStringSlice, Description: "Comma separated string or array of the role names allowed to get creds from this database connection. \"*\" allows all."},
		"root_rotation_statements": {Type: framework.TypeStringSlice, Description: "Statements to be executed to rotate the root user's credentials."},
		"verify_connection":        {Type: framework.TypeBool, Default: true, Description: "If true, the connection details are verified by actually connecting to the database."},
	}
	roleFields = map[string]*framework.FieldSchema{
		"name":                  {Type: framework.TypeString, Description: "Name of the role."},
		"db_name":               {Type: framework.TypeString, Description: "Name of the database this role acts on."},
		"creation_statements":   {Type: framework.TypeStringSlice, Description: "Specifies the database statements executed to create and configure a user. Templated with {{name}}, {{password}} and {{expiration}}."},
		"revocation_statements": {Type: framework.TypeStringSlice, Description: "Specifies the database statements to be executed to revoke a user."},
		"rollback_statements":   {Type: framework.TypeStringSlice, Description: "Specifies the database statements to be executed to rollback a create operation in the event of an error."},
		"renew_statements":      {Type: framework.TypeStringSlice, Description: "Specifies the database statements to be executed to renew a user."},
		"default_ttl":           {Type: framework.TypeDurationSecond, Description: "Default ttl for role."},
		"max_ttl":               {Type: framework.TypeDurationSecond, Description: "Maximum time a credential is valid for."},
	}
)
