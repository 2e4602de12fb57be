package kubernetes

import (
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/tokenparams"
	"github.com/cofferhq/coffer/events/kubernetesevent"
)

// Alias name sources.
const (
	AliasNameSourceUID  = kubernetesevent.AliasNameSourceUID
	AliasNameSourceName = kubernetesevent.AliasNameSourceName
)

// Role is auth/<path>/role/<name>; the type is the event schema's.
type Role = kubernetesevent.Role

// RoleKey is the storage key of a role name: Vault lower-cases role names.
func RoleKey(name string) string { return strings.ToLower(name) }

// roleTokenFields are the token fields a Kubernetes role accepts, with the
// legacy names Vault's plugin still honours.
var roleTokenFields = tokenparams.Parser{Legacy: []tokenparams.Alias{
	tokenparams.LegacyPolicies, tokenparams.LegacyBoundCIDRs, tokenparams.LegacyNumUses,
	tokenparams.LegacyTTL, tokenparams.LegacyMaxTTL, tokenparams.LegacyPeriod,
}}

// MountLimits are the mount's TTL limits a role is checked against.
type MountLimits struct {
	MaxLeaseTTL time.Duration
}

// DecideRoleWrite applies a create (existing == nil) or update to a role,
// as Vault's role write. It returns the new role and Vault's warnings;
// refusals are 400 with Vault's messages.
func DecideRoleWrite(existing *Role, f authkit.Fields, mount MountLimits) (*Role, []string, error) {
	create := existing == nil
	r := &Role{}
	if !create {
		c := *existing
		c.BoundServiceAccountNames = slices.Clone(existing.BoundServiceAccountNames)
		c.BoundServiceAccountNamespaces = slices.Clone(existing.BoundServiceAccountNamespaces)
		r = &c
	}
	warnings, err := roleTokenFields.Parse(&r.Token, f)
	if err != nil {
		return nil, nil, err
	}
	if mount.MaxLeaseTTL > 0 && r.Token.Period > mount.MaxLeaseTTL {
		return nil, nil, authkit.BadRequest("token period of '%q' is greater than the backend's maximum lease TTL of '%q'", r.Token.Period.String(), mount.MaxLeaseTTL.String())
	}
	if r.Token.MaxTTL > 0 && r.Token.TTL > r.Token.MaxTTL {
		return nil, nil, authkit.BadRequest("token ttl should not be greater than token max ttl")
	}
	if mount.MaxLeaseTTL > 0 && r.Token.MaxTTL > mount.MaxLeaseTTL {
		warnings = append(warnings, "max_ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated")
	}

	if v, ok, err := f.StringSlice("bound_service_account_names"); err != nil {
		return nil, nil, err
	} else if ok {
		r.BoundServiceAccountNames = v
	}
	if len(r.BoundServiceAccountNames) == 0 {
		return nil, nil, authkit.BadRequest("%q can not be empty", "bound_service_account_names")
	}
	if len(r.BoundServiceAccountNames) > 1 && slices.Contains(r.BoundServiceAccountNames, "*") {
		return nil, nil, authkit.BadRequest("can not mix %q with values", "*")
	}
	if v, ok, err := f.StringSlice("bound_service_account_namespaces"); err != nil {
		return nil, nil, err
	} else if ok {
		r.BoundServiceAccountNamespaces = v
	}
	// Vault reads the selector on every write: an update without it clears it.
	sel, _, err := f.String("bound_service_account_namespace_selector")
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(sel) != "" {
		return nil, nil, authkit.BadRequest("%q is not supported; use %q", "bound_service_account_namespace_selector", "bound_service_account_namespaces")
	}
	r.BoundServiceAccountNamespaceSelector = ""
	if len(r.BoundServiceAccountNamespaces) == 0 {
		return nil, nil, authkit.BadRequest("%q can not be empty if %q is not set", "bound_service_account_namespaces", "bound_service_account_namespace_selector")
	}
	if len(r.BoundServiceAccountNamespaces) > 1 && slices.Contains(r.BoundServiceAccountNamespaces, "*") {
		return nil, nil, authkit.BadRequest("can not mix %q with values", "*")
	}
	if v, ok, err := f.String("audience"); err != nil {
		return nil, nil, err
	} else if ok {
		r.Audience = v
	}
	if v, ok, err := f.String("alias_name_source"); err != nil {
		return nil, nil, err
	} else if ok {
		if v == "" && r.AliasNameSource == "" {
			v = AliasNameSourceUID
		}
		r.AliasNameSource = v
	} else if r.AliasNameSource == "" {
		r.AliasNameSource = AliasNameSourceUID
	}
	if r.AliasNameSource != AliasNameSourceUID && r.AliasNameSource != AliasNameSourceName {
		return nil, nil, authkit.BadRequest("invalid alias_name_source, must be one of: %s, %s", AliasNameSourceUID, AliasNameSourceName)
	}
	return r, warnings, nil
}
