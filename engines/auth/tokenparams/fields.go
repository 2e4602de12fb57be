package tokenparams

// FieldSpec describes one accepted field for a path's declaration (types
// are the names Vault's framework uses).
type FieldSpec struct {
	Name        string
	Type        string // "comma_string_slice", "duration_second", "int", "bool", "string"
	Description string
	Deprecated  bool
	Default     any
}

// Specs returns the token fields, and the legacy names given, for a path
// declaration.
func Specs(legacy ...Alias) []FieldSpec {
	out := []FieldSpec{
		{Name: "token_bound_cidrs", Type: "comma_string_slice", Description: "Comma separated string or JSON list of CIDR blocks. If set, specifies the blocks of IP addresses which are allowed to use the generated token."},
		{Name: "token_explicit_max_ttl", Type: "duration_second", Description: "If set, tokens created via this role carry an explicit maximum TTL. During renewal, the current maximum TTL values of the role and the mount are not checked for changes, and any updates to these values will have no effect on the token being renewed."},
		{Name: "token_max_ttl", Type: "duration_second", Description: "The maximum lifetime of the generated token"},
		{Name: "token_no_default_policy", Type: "bool", Description: "If true, the 'default' policy will not automatically be added to generated tokens"},
		{Name: "token_period", Type: "duration_second", Description: "If set, tokens created via this role will have no max lifetime; instead, their renewal period will be fixed to this value. This takes an integer number of seconds, or a string duration (e.g. \"24h\")."},
		{Name: "token_policies", Type: "comma_string_slice", Description: "Comma-separated list of policies"},
		{Name: "token_type", Type: "string", Default: "default-service", Description: "The type of token to generate, service or batch"},
		{Name: "token_ttl", Type: "duration_second", Description: "The initial ttl of the token to generate"},
		{Name: "token_num_uses", Type: "int", Description: "The maximum number of times a token may be used, a value of zero means unlimited"},
	}
	replaced := map[Alias]string{
		LegacyPolicies: "token_policies", LegacyTTL: "token_ttl", LegacyMaxTTL: "token_max_ttl",
		LegacyPeriod: "token_period", LegacyNumUses: "token_num_uses", LegacyBoundCIDRs: "token_bound_cidrs",
	}
	types := map[Alias]string{
		LegacyPolicies: "comma_string_slice", LegacyTTL: "duration_second", LegacyMaxTTL: "duration_second",
		LegacyPeriod: "duration_second", LegacyNumUses: "int", LegacyBoundCIDRs: "comma_string_slice",
	}
	for _, a := range legacy {
		n := replaced[a]
		out = append(out, FieldSpec{
			Name:        string(a),
			Type:        types[a],
			Deprecated:  true,
			Description: `Use "` + n + `" instead. If this and "` + n + `" are both specified, only "` + n + `" will be used.`,
		})
	}
	return out
}
