package tokenparams

import (
	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/events/authevent"
)

// Params are the token fields of a role or user; the type lives with the
// auth event schemas (authevent), which store it.
type Params = authevent.TokenParams

// Legacy are the deprecated spellings, kept only to echo them on read.
type Legacy = authevent.TokenLegacy

// Populate fills the token part of a login's Auth block from p, as Vault's
// PopulateTokenAuth. Tokens from a login are renewable.
func Populate(p Params, a *authkit.Auth) {
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
