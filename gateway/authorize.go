package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
)

// authorize resolves the token, decides create vs update and checks the
// ACL, sudo and the token's bound CIDRs. Unauthenticated paths accept a
// token if given (to tailor answers) but never require one. Help is
// allowed to any valid token, as in Vault.
func (s *Server) authorize(ctx context.Context, req *framework.Request, entry *framework.Path, path, token string) error {
	if token != "" {
		caller, err := s.cfg.Tokens.Resolve(ctx, token)
		if err != nil && !entry.Unauthenticated {
			if errors.Is(err, framework.ErrPermissionDenied) {
				return framework.ErrPermissionDenied
			}
			return err
		}
		if err == nil {
			req.Auth = caller
		}
	}
	if req.Operation == framework.UpdateOperation && entry.ExistenceCheck != nil {
		exists, err := entry.ExistenceCheck(req)
		if err != nil {
			return err
		}
		if !exists {
			req.Operation = framework.CreateOperation
		}
	}
	if entry.Unauthenticated {
		return nil
	}
	if req.Auth == nil {
		return framework.ErrPermissionDenied
	}
	if !remoteAllowed(req.RemoteAddr, req.Auth.BoundCIDRs) {
		return framework.ErrPermissionDenied
	}
	if req.Operation == framework.HelpOperation {
		return nil
	}
	policies := req.Auth.Policies
	if req.Auth.IsRoot {
		policies = []string{"root"}
	}
	a, err := s.cfg.ACL(policies)
	if err != nil {
		return err
	}
	res := a.Authorize(path, acl.Operation(req.Operation), acl.Request{Data: req.Data, WrapTTL: req.WrapTTL})
	// An AnyToken path needs no grant, but an explicit deny on it still
	// refuses: an operator who writes `deny` means it.
	if !res.Allowed && (!entry.AnyToken || res.Reason == acl.ReasonDenied) {
		return framework.Errorf(http.StatusForbidden, "permission denied")
	}
	req.Sudo = res.Allowed && (res.RootPrivs || res.IsRoot)
	if entry.Sudo && !req.Sudo {
		return framework.Errorf(http.StatusForbidden, "permission denied")
	}
	return s.cfg.Tokens.Use(ctx, req.Auth)
}

// remoteAllowed reports whether a token bound to cidrs may be used from
// remote ("ip:port"); a token without bound CIDRs may be used anywhere.
func remoteAllowed(remote string, cidrs []string) bool {
	if len(cidrs) == 0 {
		return true
	}
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, c := range cidrs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(ip) {
			return true
		}
		if a, err := netip.ParseAddr(c); err == nil && a.Unmap() == ip {
			return true
		}
	}
	return false
}
