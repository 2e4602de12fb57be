package approle

import (
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/tokenparams"
	"github.com/cofferhq/coffer/events/approleevent"
)

// Role is auth/<path>/role/<role_name>; the type is the event schema's.
type Role = approleevent.Role

// MountLimits are the mount's TTL limits.
type MountLimits struct {
	MaxLeaseTTL time.Duration
}

// NewIDs makes the random values of a new role; tests may replace it.
type NewIDs struct {
	RoleID  func() (string, error)
	HMACKey func() (string, error)
}

// DefaultIDs uses crypto/rand.
var DefaultIDs = NewIDs{RoleID: NewUUID, HMACKey: NewHMACKey}

var roleTokenFields = tokenparams.Parser{
	Legacy:             []tokenparams.Alias{tokenparams.LegacyPolicies, tokenparams.LegacyPeriod},
	AdjustDefaultTypes: true,
}

// RoleKey is the storage key of a role name.
func RoleKey(name string) string { return strings.ToLower(name) }

// msgNoConstraint is Vault's refusal of a role that binds nothing.
const msgNoConstraint = "at least one constraint should be enabled on the role"

// DecideRoleWrite applies a create (existing == nil) or update of role
// name, as Vault's role write. The caller checks that a new or changed
// role_id is not used by another role (RoleIDInUse). Refusals are 400 with
// Vault's messages.
func DecideRoleWrite(existing *Role, name string, f authkit.Fields, mount MountLimits, ids NewIDs) (*Role, []string, error) {
	if name == "" {
		return nil, nil, authkit.BadRequest("missing role_name")
	}
	if len(name) > MaxHMACInputLength {
		return nil, nil, authkit.BadRequest("role_name is longer than maximum of %d bytes", MaxHMACInputLength)
	}
	create := existing == nil
	var r Role
	if create {
		key, err := ids.HMACKey()
		if err != nil {
			return nil, nil, err
		}
		r = Role{Name: RoleKey(name), HMACKey: key}
	} else {
		r = *existing
		r.SecretIDBoundCIDRs = slices.Clone(existing.SecretIDBoundCIDRs)
	}
	warnings, err := roleTokenFields.Parse(&r.Token, f)
	if err != nil {
		return nil, nil, err
	}
	if v, ok, err := f.Bool("local_secret_ids"); err != nil {
		return nil, nil, err
	} else if ok {
		if !create {
			return nil, nil, authkit.BadRequest("local_secret_ids can only be modified during role creation")
		}
		r.LocalSecretIDs = v
	}
	if v, ok, err := f.String("role_id"); err != nil {
		return nil, nil, err
	} else if ok {
		r.RoleID = v
	} else if create {
		if r.RoleID, err = ids.RoleID(); err != nil {
			return nil, nil, err
		}
	}
	if r.RoleID == "" {
		return nil, nil, authkit.BadRequest("invalid role_id supplied, or failed to generate a role_id")
	}
	if v, ok, err := f.Bool("bind_secret_id"); err != nil {
		return nil, nil, err
	} else if ok {
		r.BindSecretID = v
	} else if create {
		r.BindSecretID = true
	}
	cidrs, ok, err := f.StringSlice("secret_id_bound_cidrs")
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		if cidrs, ok, err = f.StringSlice("bound_cidr_list"); err != nil {
			return nil, nil, err
		}
	}
	if ok {
		r.SecretIDBoundCIDRs = nonEmpty(cidrs)
	}
	if err := authkit.ValidateCIDRList(r.SecretIDBoundCIDRs); err != nil {
		return nil, nil, authkit.BadRequest("failed to validate CIDR blocks: %s", err)
	}
	if v, ok, err := f.Int("secret_id_num_uses"); err != nil {
		return nil, nil, err
	} else if ok {
		r.SecretIDNumUses = int(v)
	}
	if r.SecretIDNumUses < 0 {
		return nil, nil, authkit.BadRequest("secret_id_num_uses cannot be negative")
	}
	if v, ok, err := f.Duration("secret_id_ttl"); err != nil {
		return nil, nil, err
	} else if ok {
		r.SecretIDTTL = v / time.Second * time.Second
	}
	if r.SecretIDTTL < 0 {
		return nil, nil, authkit.BadRequest("secret_id_ttl cannot be negative")
	}
	if mount.MaxLeaseTTL > 0 && r.Token.Legacy.Period > mount.MaxLeaseTTL {
		return nil, nil, authkit.BadRequest("period of %q is greater than the backend's maximum lease TTL of %q", r.Token.Legacy.Period.String(), mount.MaxLeaseTTL.String())
	}
	if mount.MaxLeaseTTL > 0 && r.Token.MaxTTL > mount.MaxLeaseTTL {
		warnings = append(warnings, "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated")
	}
	if !r.HasConstraint() {
		return nil, nil, authkit.BadRequest(msgNoConstraint)
	}
	return &r, warnings, nil
}

func nonEmpty(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// RoleIDInUse is the refusal when a role_id belongs to another role.
func RoleIDInUse() error { return authkit.BadRequest("role_id already in use") }

// DecideRoleIDWrite sets a role's role_id (role/<name>/role-id).
func DecideRoleIDWrite(existing *Role, f authkit.Fields) (*Role, error) {
	v, _, err := f.String("role_id")
	if err != nil {
		return nil, err
	}
	if v == "" {
		return nil, authkit.BadRequest("missing role_id")
	}
	r := *existing
	r.RoleID = v
	return &r, nil
}
