package lease

import (
	"slices"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/leaseevent"
)

// ACLFunc compiles the ACL of a set of policy names (the policy cache's).
type ACLFunc func(names []string) (*acl.ACL, error)

// mayManage decides whether the caller may renew or revoke the lease st
// (issue 10, item 6). Vault and OpenBao let any token renew any lease
// whose id it knows (their default policy grants sys/leases/renew), and
// lease ids travel in events and logs: knowing one must not be enough.
// The token the lease was issued to may; anyone else only with the
// operation granted on the request's path by a policy other than
// "default", and root.
func mayManage(req *framework.Request, st *leaseevent.State, compile ACLFunc) bool {
	if req.Auth == nil {
		return false
	}
	if req.Auth.IsRoot || (st.TokenAccessor != "" && st.TokenAccessor == req.Auth.Accessor) {
		return true
	}
	if compile == nil {
		return false
	}
	explicit := slices.DeleteFunc(slices.Clone(req.Auth.Policies), func(p string) bool { return p == "default" })
	if len(explicit) == 0 {
		return false
	}
	a, err := compile(explicit)
	if err != nil {
		return false
	}
	path := req.MountPath + req.Path
	return a.Check(path, acl.OpUpdate).Allowed
}
