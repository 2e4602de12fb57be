package kubernetes

import (
	"context"
	"fmt"

	cmdk8s "github.com/cofferhq/coffer/commands/kubernetes"
	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/framework"
)

// DecideRenew allows renewal of a login token while its role exists and
// grants the policies the token was minted with, as Vault's Kubernetes
// renew.
func DecideRenew(role *Role, tokenPolicies []string) error {
	if role == nil {
		return authkit.PermissionDenied(fmt.Errorf("kubernetes: role no longer exists"))
	}
	if !authkit.EquivalentPolicies(role.Token.Policies, tokenPolicies) {
		return authkit.BadRequest("policies have changed, not renewing")
	}
	return nil
}

// renewLogin is the method's framework.LoginRenewer.
func (m *method) renewLogin(_ context.Context, t framework.LoginToken) (*framework.LoginTTLs, error) {
	r := cmdk8s.Runner{Bus: m.deps.Bus, Mount: t.MountAccessor}
	st, err := r.LoadRole(t.InternalData[MetaRole])
	if err != nil {
		return nil, err
	}
	if err := DecideRenew(st.Role, t.Policies); err != nil {
		return nil, authpath.Err(err)
	}
	return authpath.RenewTTLs(&st.Role.Token), nil
}
