package authkit

// EquivalentPolicies compares policy sets ignoring "default", order and
// repeats, as Vault's policyutil.EquivalentPolicies: a login token renews
// only while its user or role still grants the policies it was minted
// with.
func EquivalentPolicies(a, b []string) bool {
	set := func(in []string) map[string]bool {
		m := map[string]bool{}
		for _, p := range in {
			if p != "default" {
				m[p] = true
			}
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for k := range sa {
		if !sb[k] {
			return false
		}
	}
	return true
}
