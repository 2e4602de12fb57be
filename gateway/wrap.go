package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands/cubbyhole"
	"github.com/cofferhq/coffer/engines/framework"
)

// wrapTTL reads X-Vault-Wrap-TTL (what the CLI's -wrap-ttl and the Go
// client's wrapping lookup send): seconds or a duration string, as Vault
// parses it; zero when absent.
func wrapTTL(r *http.Request) (time.Duration, error) {
	v := r.Header.Get("X-Vault-Wrap-TTL")
	if v == "" {
		return 0, nil
	}
	c, err := framework.Coerce(framework.TypeSignedDurationSecond, strings.TrimSpace(v))
	if err != nil {
		return 0, framework.BadRequest("error parsing X-Vault-Wrap-TTL: invalid duration %q", v)
	}
	d := c.(time.Duration)
	if d < 0 {
		return 0, framework.BadRequest("requested wrap ttl cannot be negative")
	}
	return d, nil
}

// wrap replaces a response by its wrap_info when the client asked for
// wrapping: the whole envelope, as the client would have received it, is
// stored in a new response-wrapping token's cubbyhole (commands/cubbyhole),
// sealed under that cubbyhole's data key. Empty, raw and streamed
// responses and errors are not wrapped, as in Vault.
func (s *Server) wrap(ctx context.Context, req *framework.Request, path, mountType string, resp *framework.Response) (*framework.Response, error) {
	if req.WrapTTL <= 0 || isEmpty(resp) || resp.WrapInfo != nil || resp.Raw != nil || resp.Stream != nil {
		return resp, nil
	}
	if s.cfg.Deps.Bus == nil {
		return nil, framework.Errorf(http.StatusInternalServerError, "internal error")
	}
	body, err := json.Marshal(buildEnvelope(req.ID, mountType, resp))
	if err != nil {
		return nil, err
	}
	w, err := cubbyhole.Wrap(ctx, s.cfg.Deps.Bus, body, req.WrapTTL, path)
	if err != nil {
		return nil, err
	}
	info := &framework.WrapInfo{Token: w.Token, Accessor: w.Accessor, TTL: w.TTL, CreationTime: w.CreationTime, CreationPath: w.CreationPath}
	if resp.Auth != nil {
		info.WrappedAccessor = resp.Auth.Accessor
	}
	return &framework.Response{WrapInfo: info}, nil
}

// wrapInfo is the envelope's "wrap_info".
type wrapInfo struct {
	Token           string    `json:"token"`
	Accessor        string    `json:"accessor"`
	TTL             int64     `json:"ttl"`
	CreationTime    time.Time `json:"creation_time"`
	CreationPath    string    `json:"creation_path"`
	WrappedAccessor string    `json:"wrapped_accessor,omitempty"`
}

func renderWrapInfo(w *framework.WrapInfo) *wrapInfo {
	if w == nil {
		return nil
	}
	return &wrapInfo{Token: w.Token, Accessor: w.Accessor, TTL: int64(w.TTL / time.Second), CreationTime: w.CreationTime,
		CreationPath: w.CreationPath, WrappedAccessor: w.WrappedAccessor}
}
