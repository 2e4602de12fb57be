package gateway

import (
	"context"
	"net/http"

	"github.com/cofferhq/coffer/engines/framework"
)

// complete is the core's part of a response, after the handler and before
// the audit record: a login's Auth block becomes a token (the token store
// mints and records it), and a Secret without a lease id becomes a lease
// the module's Revoker will revoke. Response wrapping will intercept here
// too.
func (s *Server) complete(ctx context.Context, req *framework.Request, resp *framework.Response) (*framework.Response, error) {
	if resp == nil {
		return nil, nil
	}
	if resp.Auth != nil && resp.Auth.ClientToken == "" {
		auth, err := s.cfg.Tokens.Login(ctx, req, resp.Auth)
		if err != nil {
			return nil, err
		}
		resp.Auth = auth
	}
	if sec := resp.Secret; sec != nil && sec.LeaseID == "" && (sec.TTL > 0 || sec.InternalData != nil) {
		if s.cfg.Leases == nil {
			return nil, framework.Errorf(http.StatusInternalServerError, "internal error")
		}
		ttl := sec.TTL
		if ttl <= 0 {
			ttl = req.MountConfig.DefaultLeaseTTL
		}
		maxTTL := sec.MaxTTL
		if mount := req.MountConfig.MaxLeaseTTL; mount > 0 && (maxTTL == 0 || mount < maxTTL) {
			maxTTL = mount
		}
		if maxTTL > 0 && ttl > maxTTL {
			ttl = maxTTL
		}
		accessor := ""
		if req.Auth != nil {
			accessor = req.Auth.Accessor
		}
		st, err := s.cfg.Leases.Register(ctx, framework.LeaseRequest{
			Engine: req.MountType, MountAccessor: req.MountAccessor, MountPath: req.MountPath, Path: req.Path,
			TokenAccessor: accessor, TTL: ttl, MaxTTL: maxTTL, Renewable: sec.Renewable, RevokeData: sec.InternalData,
		})
		if err != nil {
			return nil, err
		}
		sec.LeaseID, sec.LeaseDuration = st.ID, ttl
	}
	return resp, nil
}
