// Package tokenparams is the common token fields every auth method and
// token role accepts, as Vault's sdk/helper/tokenutil.TokenParams:
// token_policies, token_ttl, token_max_ttl, token_explicit_max_ttl,
// token_period, token_num_uses, token_bound_cidrs, token_type and
// token_no_default_policy.
//
// A Parser parses them from request fields with Vault's validation and
// messages, then applies the legacy names a method still accepts
// (policies, ttl, max_ttl, period, num_uses, bound_cidrs) with Vault's
// upgrade rule: a legacy name is honoured only when its token_ name is
// absent; when both are given the token_ name wins and the legacy value
// follows it; when only the token_ name is given the legacy value is
// cleared. Legacy values are kept so a read echoes them as Vault does.
//
// Params.Data renders the fields for a read; Params.Populate fills the
// Auth block a login returns.
package tokenparams
