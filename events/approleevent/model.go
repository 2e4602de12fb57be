package approleevent

import (
	"time"

	"github.com/cofferhq/coffer/events/authevent"
)

// Role is auth/<path>/role/<role_name>.
type Role struct {
	// Name is lower-cased, as Vault stores names of new roles.
	Name               string                `json:"name"`
	RoleID             string                `json:"role_id"`
	HMACKey            string                `json:"hmac_key"` // a secret: sealed at rest
	BindSecretID       bool                  `json:"bind_secret_id"`
	SecretIDBoundCIDRs []string              `json:"secret_id_bound_cidrs,omitempty"`
	SecretIDNumUses    int                   `json:"secret_id_num_uses,omitempty"`
	SecretIDTTL        time.Duration         `json:"secret_id_ttl,omitempty"`
	LocalSecretIDs     bool                  `json:"local_secret_ids,omitempty"`
	Token              authevent.TokenParams `json:"token"`
}

// HasConstraint reports whether the role binds anything (Vault refuses a
// role that does not).
func (r *Role) HasConstraint() bool {
	return r.BindSecretID || len(r.SecretIDBoundCIDRs) > 0 || len(r.Token.BoundCIDRs) > 0
}

// Data renders a role for a read, as Vault does, with its warnings.
func (r *Role) Data() (map[string]any, []string) {
	d := map[string]any{
		"bind_secret_id":        r.BindSecretID,
		"secret_id_bound_cidrs": authevent.NonNil(r.SecretIDBoundCIDRs),
		"secret_id_num_uses":    r.SecretIDNumUses,
		"secret_id_ttl":         int64(r.SecretIDTTL / time.Second),
		"local_secret_ids":      r.LocalSecretIDs,
	}
	r.Token.Data(d)
	var warnings []string
	if !r.HasConstraint() {
		warnings = append(warnings, "Role does not have any constraints set on it. Updates to this role will require a constraint to be set")
	}
	return d, warnings
}

// SecretID is the state of one secret ID, filed under its HMAC. The secret
// ID itself is not part of it.
type SecretID struct {
	HMAC            string            `json:"secret_id_hmac"`
	Accessor        string            `json:"secret_id_accessor"`
	NumUses         int               `json:"secret_id_num_uses"` // remaining; 0 is unlimited
	TTL             time.Duration     `json:"secret_id_ttl"`
	CreationTime    time.Time         `json:"creation_time"`
	ExpirationTime  time.Time         `json:"expiration_time"` // zero: never
	LastUpdatedTime time.Time         `json:"last_updated_time"`
	Metadata        map[string]string `json:"metadata"`
	CIDRList        []string          `json:"cidr_list,omitempty"`
	TokenBoundCIDRs []string          `json:"token_bound_cidrs,omitempty"`
}

// Expired reports whether the secret ID is past its expiration time.
func (s *SecretID) Expired(now time.Time) bool {
	return !s.ExpirationTime.IsZero() && !now.Before(s.ExpirationTime)
}

// Data renders a lookup, as Vault does.
func (s *SecretID) Data() map[string]any {
	meta := s.Metadata
	if meta == nil {
		meta = map[string]string{}
	}
	return map[string]any{
		"secret_id_accessor": s.Accessor,
		"secret_id_num_uses": s.NumUses,
		"secret_id_ttl":      int64(s.TTL / time.Second),
		"creation_time":      s.CreationTime,
		"expiration_time":    s.ExpirationTime,
		"last_updated_time":  s.LastUpdatedTime,
		"metadata":           meta,
		"cidr_list":          s.CIDRList,
		"token_bound_cidrs":  authevent.NonNil(s.TokenBoundCIDRs),
	}
}
