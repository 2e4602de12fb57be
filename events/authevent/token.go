package authevent

import "time"

// TokenType is the kind of token a login asks the core for, as Vault's
// logical.TokenType. The zero value is TokenTypeDefault: the mount's
// default, which is a service token.
type TokenType uint8

// Token types, spelled as Vault spells them on the wire.
const (
	TokenTypeDefault TokenType = iota
	TokenTypeService
	TokenTypeBatch
	TokenTypeDefaultService
	TokenTypeDefaultBatch
)

// String is the wire spelling ("default", "service", "batch",
// "default-service", "default-batch").
func (t TokenType) String() string {
	switch t {
	case TokenTypeService:
		return "service"
	case TokenTypeBatch:
		return "batch"
	case TokenTypeDefaultService:
		return "default-service"
	case TokenTypeDefaultBatch:
		return "default-batch"
	}
	return "default"
}

// TokenParams are the token fields of a role or user.
type TokenParams struct {
	Policies        []string      `json:"token_policies,omitempty"`
	TTL             time.Duration `json:"token_ttl,omitempty"`
	MaxTTL          time.Duration `json:"token_max_ttl,omitempty"`
	ExplicitMaxTTL  time.Duration `json:"token_explicit_max_ttl,omitempty"`
	Period          time.Duration `json:"token_period,omitempty"`
	NumUses         int           `json:"token_num_uses,omitempty"`
	BoundCIDRs      []string      `json:"token_bound_cidrs,omitempty"`
	Type            TokenType     `json:"token_type,omitempty"`
	NoDefaultPolicy bool          `json:"token_no_default_policy,omitempty"`

	// Legacy holds values written under the deprecated names.
	Legacy TokenLegacy `json:"legacy,omitzero"`
}

// TokenLegacy are the deprecated spellings, kept only to echo them on read.
type TokenLegacy struct {
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
func (p TokenParams) Data(m map[string]any) {
	m["token_bound_cidrs"] = NonNil(p.BoundCIDRs)
	m["token_explicit_max_ttl"] = seconds(p.ExplicitMaxTTL)
	m["token_max_ttl"] = seconds(p.MaxTTL)
	m["token_no_default_policy"] = p.NoDefaultPolicy
	m["token_period"] = seconds(p.Period)
	m["token_policies"] = NonNil(p.Policies)
	m["token_type"] = p.Type.String()
	m["token_ttl"] = seconds(p.TTL)
	m["token_num_uses"] = p.NumUses

	l := p.Legacy
	if len(l.Policies) > 0 {
		m["policies"] = NonNil(p.Policies)
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
		m["bound_cidrs"] = NonNil(p.BoundCIDRs)
	}
}

// IsBatch reports whether the fields ask for batch tokens.
func (p TokenParams) IsBatch() bool {
	return p.Type == TokenTypeBatch || p.Type == TokenTypeDefaultBatch
}

// NonNil renders a nil list as [], as Vault's reads do.
func NonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
