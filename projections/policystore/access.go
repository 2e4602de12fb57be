package policystore

import (
	"slices"
	"strings"

	"github.com/cofferhq/coffer/commands/acl"
)

// grantingCaps are the capabilities that count as "access" to a mount.
const grantingCaps = acl.CreateCap | acl.ReadCap | acl.UpdateCap | acl.PatchCap | acl.DeleteCap | acl.ListCap | acl.SudoCap

// MountAccess reports whether the named policies grant anything on or
// below mountPath. Vault answers its CLI's mount preflight
// (sys/internal/ui/mounts/<path>) only to tokens that pass this test, so a
// token cannot learn about mounts it has no business with.
//
// The test mirrors Vault's hasMountAccess: the mount path itself is
// allowed, or some rule (merged across the policies, deny winning) whose
// pattern lies below the mount grants a real capability.
func (c *Cache) MountAccess(names []string, mountPath string) (bool, error) {
	a, err := c.ACL(names)
	if err != nil {
		return false, err
	}
	if a.IsRoot() {
		return true, nil
	}
	if caps := a.Capabilities(mountPath); !slices.Equal(caps, []string{"deny"}) {
		return true, nil
	}
	policies, err := c.Policies(names)
	if err != nil {
		return false, err
	}
	for pattern, caps := range mergeRules(policies) {
		if caps&acl.DenyCap != 0 || caps&grantingCaps == 0 {
			continue
		}
		if below(pattern, mountPath) {
			return true, nil
		}
	}
	return false, nil
}

// mergeRules unions each pattern's capabilities across policies; deny in
// any of them makes the pattern deny, as acl.New does.
func mergeRules(policies []*acl.Policy) map[string]acl.Capability {
	merged := map[string]acl.Capability{}
	for _, p := range policies {
		for _, r := range p.Rules {
			if r.Templated {
				continue
			}
			pattern := strings.TrimPrefix(r.Pattern, "/")
			have, seen := merged[pattern]
			switch {
			case r.Capabilities&acl.DenyCap != 0 || have&acl.DenyCap != 0:
				merged[pattern] = acl.DenyCap
			case seen:
				merged[pattern] = have | r.Capabilities
			default:
				merged[pattern] = r.Capabilities
			}
		}
	}
	return merged
}

// below reports whether a rule pattern can match some path at or under
// mountPath ("secret/").
func below(pattern, mountPath string) bool {
	if !strings.Contains(pattern, "+") {
		return strings.HasPrefix(strings.TrimSuffix(pattern, "*"), mountPath)
	}
	patParts := strings.Split(pattern, "/")
	mountParts := strings.Split(strings.TrimSuffix(mountPath, "/"), "/")
	if len(patParts) < len(mountParts) {
		return false
	}
	for i, mp := range mountParts {
		pp := patParts[i]
		switch {
		case pp == "+" || pp == mp:
		case i == len(patParts)-1 && strings.HasSuffix(pp, "*") && strings.HasPrefix(mp, strings.TrimSuffix(pp, "*")):
		default:
			return false
		}
	}
	return true
}
