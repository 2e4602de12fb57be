package database

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	cmddb "github.com/cofferhq/coffer/commands/database"
	"github.com/cofferhq/coffer/engines/database/postgres"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/databasestore"
)

func (b *Backend) rolePaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "roles/?",
			Fields:     map[string]*framework.FieldSchema{},
			Synopsis:   "Manage the roles that can be created with this backend.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ListOperation: b.handleListRoles},
		},
		{
			Pattern:  "roles/" + framework.GenericNameRegex("name"),
			Fields:   roleFields,
			Synopsis: "Manage the roles that can be created with this backend.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.CreateOperation: b.handleWriteRole,
				framework.UpdateOperation: b.handleWriteRole,
				framework.ReadOperation:   b.handleReadRole,
				framework.DeleteOperation: b.handleDeleteRole,
			},
			ExistenceCheck: func(req *framework.Request) (bool, error) {
				return databasestore.RoleExists(b.e.deps.Store, b.mount, req.Vars["name"])
			},
		},
	}
}

func (b *Backend) handleListRoles(req *framework.Request) (*framework.Response, error) {
	names, err := databasestore.ListRoles(b.e.deps.Store, b.mount)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, framework.ErrNotFound
	}
	return &framework.Response{Data: map[string]any{"keys": names}}, nil
}

func roleWrite(req *framework.Request) cmddb.RoleWrite {
	var w cmddb.RoleWrite
	w.DBName = optString(req, "db_name")
	for key, dst := range map[string]**[]string{
		"creation_statements": &w.CreationStatements, "revocation_statements": &w.RevocationStatements,
		"rollback_statements": &w.RollbackStatements, "renew_statements": &w.RenewStatements,
	} {
		*dst = optList(req, key)
	}
	w.DefaultTTL = optDuration(req, "default_ttl")
	w.MaxTTL = optDuration(req, "max_ttl")
	return w
}

func (b *Backend) handleWriteRole(req *framework.Request) (*framework.Response, error) {
	if err := b.runner.WriteRole(req.Context(), req.Vars["name"], roleWrite(req), checkRole); err != nil {
		return nil, err
	}
	return nil, nil
}

// checkRole refuses statements that cannot run as the engine runs them:
// malformed SQL (an unterminated quote or comment), transaction control
// (each operation is one transaction; a COMMIT inside it would let a later
// failure leave a half-created user behind), and creation statements that
// do not create the user they are given ({{name}} or {{username}}), whose
// lease could never revoke what they made.
func checkRole(r databasestore.Role) error {
	for _, f := range []struct {
		field string
		stmts []string
	}{
		{"creation_statements", r.Statements.Creation},
		{"revocation_statements", r.Statements.Revocation},
		{"rollback_statements", r.Statements.Rollback},
		{"renew_statements", r.Statements.Renew},
	} {
		if err := checkSyntax(f.stmts); err != nil {
			return framework.BadRequest("%s: %v", f.field, err)
		}
	}
	if !mentionsUser(r.Statements.Creation) {
		return framework.BadRequest("creation_statements: none of them mentions {{name}} or {{username}}, the user a credential is issued for")
	}
	return nil
}

// transactionControl matches statements that end or split the transaction
// an operation runs in.
var transactionControl = regexp.MustCompile(`(?i)^(begin|start\s+transaction|commit|end|rollback|abort|prepare\s+transaction|savepoint|release)\b`)

// leadingComments strips comments and space before a statement's first
// keyword.
var leadingComments = regexp.MustCompile(`^(\s+|--[^\n]*\n?|/\*(?s:.*?)\*/)*`)

// checkSyntax splits statements as the plugin will and refuses malformed
// ones and transaction control.
func checkSyntax(stmts []string) error {
	for _, s := range stmts {
		parts, err := postgres.SplitStatements(s)
		if err != nil {
			return err
		}
		for _, p := range parts {
			head := leadingComments.ReplaceAllString(p, "")
			if m := transactionControl.FindString(head); m != "" {
				return fmt.Errorf("transaction control (%s) is not allowed: each operation runs in one transaction", strings.ToUpper(m))
			}
		}
	}
	return nil
}

var userPlaceholder = regexp.MustCompile(`\{\{\s*(name|username)\s*\}\}`)

func mentionsUser(stmts []string) bool {
	for _, s := range stmts {
		if userPlaceholder.MatchString(s) {
			return true
		}
	}
	return false
}

func (b *Backend) handleReadRole(req *framework.Request) (*framework.Response, error) {
	r, err := databasestore.GetRole(b.e.deps.Store, b.mount, req.Vars["name"])
	if errors.Is(err, databasestore.ErrNotFound) {
		return nil, framework.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: map[string]any{
		"db_name":               r.DBName,
		"creation_statements":   orEmpty(r.Statements.Creation),
		"revocation_statements": orEmpty(r.Statements.Revocation),
		"rollback_statements":   orEmpty(r.Statements.Rollback),
		"renew_statements":      orEmpty(r.Statements.Renew),
		"default_ttl":           int64(r.DefaultTTL.Seconds()),
		"max_ttl":               int64(r.MaxTTL.Seconds()),
		"credential_type":       "password",
	}}, nil
}

func (b *Backend) handleDeleteRole(req *framework.Request) (*framework.Response, error) {
	if err := b.runner.DeleteRole(req.Context(), req.Vars["name"]); err != nil {
		return nil, err
	}
	return nil, nil
}
