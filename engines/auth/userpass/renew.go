package userpass

import (
	"context"

	cmduserpass "github.com/cofferhq/coffer/commands/userpass"
	"github.com/cofferhq/coffer/engines/auth/authpath"
	"github.com/cofferhq/coffer/engines/framework"
)

// renewLogin is the method's framework.LoginRenewer: a login token renews
// while its user exists with the same policies (DecideRenew).
func (m *method) renewLogin(_ context.Context, t framework.LoginToken) (*framework.LoginTTLs, error) {
	r := cmduserpass.Runner{Bus: m.deps.Bus, Mount: t.MountAccessor}
	st, err := r.LoadUser(UserKey(t.Meta["username"]))
	if err != nil {
		return nil, err
	}
	p, err := DecideRenew(st.User, t.Policies)
	if err != nil {
		return nil, authpath.Err(err)
	}
	return authpath.RenewTTLs(p), nil
}
