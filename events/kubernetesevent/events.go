package kubernetesevent

import (
	"github.com/cofferhq/coffer/events/authevent"
	"github.com/cofferhq/coffer/ledger"
)

// Event types.
const (
	EventConfigWritten = "kubernetes.config_written"
	EventRoleWritten   = "kubernetes.role_written"
	EventRoleDeleted   = "kubernetes.role_deleted"
)

// Schema is the payload layout version of every Kubernetes event type.
const Schema = 1

// Aggregate kinds.
const (
	KindConfig = "kubernetes.config"
	KindRole   = "kubernetes.role"
)

// RoleAggregate names one role of one mount (by mount accessor).
func RoleAggregate(mount, name string) string { return mount + "/" + name }

// Config is the mount's auth/<path>/config as stored.
type Config struct {
	Host                          string   `json:"kubernetes_host"`
	CACert                        string   `json:"kubernetes_ca_cert,omitempty"`
	TokenReviewerJWT              string   `json:"token_reviewer_jwt,omitempty"` // a credential: sealed at rest
	PEMKeys                       []string `json:"pem_keys,omitempty"`
	Issuer                        string   `json:"issuer,omitempty"`
	DisableISSValidation          bool     `json:"disable_iss_validation"`
	DisableLocalCAJWT             bool     `json:"disable_local_ca_jwt"`
	UseAnnotationsAsAliasMetadata bool     `json:"use_annotations_as_alias_metadata"`
}

// Alias name sources.
const (
	AliasNameSourceUID  = "serviceaccount_uid"
	AliasNameSourceName = "serviceaccount_name"
)

// Role is auth/<path>/role/<name>.
type Role struct {
	Name                                 string                `json:"name"`
	BoundServiceAccountNames             []string              `json:"bound_service_account_names"`
	BoundServiceAccountNamespaces        []string              `json:"bound_service_account_namespaces,omitempty"`
	BoundServiceAccountNamespaceSelector string                `json:"bound_service_account_namespace_selector,omitempty"`
	Audience                             string                `json:"audience,omitempty"`
	AliasNameSource                      string                `json:"alias_name_source"`
	Token                                authevent.TokenParams `json:"token"`
}

// Data renders a role for a read, as Vault does.
func (r *Role) Data() map[string]any {
	d := map[string]any{
		"bound_service_account_names":              authevent.NonNil(r.BoundServiceAccountNames),
		"bound_service_account_namespaces":         authevent.NonNil(r.BoundServiceAccountNamespaces),
		"bound_service_account_namespace_selector": r.BoundServiceAccountNamespaceSelector,
		"alias_name_source":                        r.AliasNameSource,
	}
	if r.Audience != "" {
		d["audience"] = r.Audience
	}
	r.Token.Data(d)
	return d
}

// ConfigWritten records the mount's config (a write replaces it whole).
type ConfigWritten struct {
	Mount  string `json:"mount"`
	Config Config `json:"config"`
}

// RoleWritten records a role after a create or update.
type RoleWritten struct {
	Mount string `json:"mount"`
	Role  Role   `json:"role"`
}

// RoleDeleted records a role's deletion.
type RoleDeleted struct {
	Mount string `json:"mount"`
	Name  string `json:"name"`
}

func init() {
	ledger.RegisterEventType(EventConfigWritten, Schema, ConfigWritten{})
	ledger.RegisterEventType(EventRoleWritten, Schema, RoleWritten{})
	ledger.RegisterEventType(EventRoleDeleted, Schema, RoleDeleted{})
}
