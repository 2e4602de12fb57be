package tokenparams

import (
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
)

// Params are the token fields of a role or user.
type Params struct {
	Policies        []string          `json:"token_policies,omitempty"`
	TTL             time.Duration     `json:"token_ttl,omitempty"`
	MaxTTL          time.Duration     `json:"token_max_ttl,omitempty"`
	ExplicitMaxTTL  time.Duration     `json:"token_explicit_max_ttl,omitempty"`
	Period          time.Duration     `json:"token_period,omitempty"`
	NumUses         int               `json:"token_num_uses,omitempty"`
	BoundCIDRs      []string          `json:"token_bound_cidrs,omitempty"`
	Type            authkit.TokenType `json:"token_type,omitempty"`
	NoDefaultPolicy bool              `json:"token_no_default_policy,omitempty"`

	// Legacy holds values written under the deprecated names.
	Legacy Legacy `json:"legacy,omitempty"`
}

// Legacy are the deprecated spellings, kept only to echo them on read.
type Legacy struct {
	Policies   []string      `json:"policies,omitempty"`
	TTL        time.Duration `json:"ttl,omitempty"`
	MaxTTL     time.Duration `json:"max_ttl,omitempty"`
	Period     time.Duration `json:"period,omitempty"`
	NumUses    int           `json:"num_uses,omitempty"`
	BoundCIDRs []string      `json:"bound_cidrs,omitempty"`
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// Data renders the fields as Vault's read does (PopulateTokenData plus the
// legacy names that are set): durations in seconds, empty lists as [].
func (p Params) Data(m map[string]any) {
	m["token_bound_cidrs"] = nonNil(p.BoundCIDRs)
	m["token_explicit_max_ttl"] = seconds(p.ExplicitMaxTTL)
	m["token_max_ttl"] = seconds(p.MaxTTL)
	m["token_no_default_policy"] = p.NoDefaultPolicy
	m["token_period"] = seconds(p.Period)
	m["token_policies"] = nonNil(p.Policies)
	m["token_type"] = p.Type.String()
	m["token_ttl"] = seconds(p.TTL)
	m["token_num_uses"] = p.NumUses

	l := p.Legacy
	if len(l.Policies) > 0 {
		m["policies"] = nonNil(p.Policies)
	}
	if l.TTL > 0 {
		m["ttl"] = seconds(l.TTL)
	}
	if l.MaxTTL > 0 {
		m["max_ttl"] = seconds(l.MaxTTL)
	}
	if l.Period > 0 {
		m["period"] = seconds(l.Period)
	}
	if l.NumUses > 0 {
		m["num_uses"] = l.NumUses
	}
	if len(l.BoundCIDRs) > 0 {
		m["bound_cidrs"] = nonNil(p.BoundCIDRs)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Populate fills the token part of a login's Auth block, as Vault's
// PopulateTokenAuth. Tokens from a login are renewable.
func (p Params) Populate(a *authkit.Auth) {
	a.BoundCIDRs = append([]string(nil), p.BoundCIDRs...)
	a.ExplicitMaxTTL = p.ExplicitMaxTTL
	a.MaxTTL = p.MaxTTL
	a.NoDefaultPolicy = p.NoDefaultPolicy
	a.Period = p.Period
	a.Policies = append([]string(nil), p.Policies...)
	a.Renewable = true
	a.TokenType = p.Type
	a.TTL = p.TTL
	a.NumUses = p.NumUses
}

// IsBatch reports whether the fields ask for batch tokens.
func (p Params) IsBatch() bool {
	return p.Type == authkit.TokenTypeBatch || p.Type == authkit.TokenTypeDefaultBatch
}
