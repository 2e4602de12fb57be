package approle

import (
	"context"
	"fmt"

	cmdapprole "github.com/cofferhq/coffer/commands/approle"
	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/framework"
)

// DecideRenew allows renewal of a login token while its role exists, as
// Vault's AppRole renew (which does not compare policies).
func DecideRenew(role *Role) error {
	if role == nil {
		return authkit.PermissionDenied(fmt.Errorf("approle: role no longer exists"))
	}
	return nil
}

// renewLogin is the method's framework.LoginRenewer.
func (m *method) renewLogin(_ context.Context, t framework.LoginToken) (*framework.LoginTTLs, error) {
	r := cmdapprole.Runner{Bus: m.deps.Bus, Mount: t.MountAccessor}
	st, err := r.LoadRole(t.InternalData[MetaRoleName])
	if err != nil {
		return nil, err
	}
	if err := DecideRenew(st.Role); err != nil {
		return nil, authpath.Err(err)
	}
	return authpath.RenewTTLs(&st.Role.Token), nil
}
