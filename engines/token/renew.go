package token

import (
	"time"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

func (b *Backend) renewPaths() []*framework.Path {
	return []*framework.Path{
		{Pattern: "renew-self", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: func(req *framework.Request) (*framework.Response, error) {
				return b.renew(req, callerToken(req))
			},
		}},
		{Pattern: "renew-accessor", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleRenewAccessor,
		}},
		{Pattern: "renew", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: func(req *framework.Request) (*framework.Response, error) {
				raw, err := requestToken(req)
				if err != nil {
					return nil, err
				}
				return b.renew(req, raw)
			},
		}},
	}
}

func (b *Backend) renew(req *framework.Request, raw string) (*framework.Response, error) {
	if raw == "" {
		return nil, framework.BadRequest("missing token ID")
	}
	t, err := b.liveOr(raw, now(), framework.BadRequest("token not found"))
	if err != nil {
		return nil, err
	}
	return b.renewToken(req, t, raw)
}

func (b *Backend) handleRenewAccessor(req *framework.Request) (*framework.Response, error) {
	t, err := b.accessorToken(req, now())
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, framework.BadRequest("invalid accessor")
	}
	return b.renewToken(req, t, "")
}

func (b *Backend) renewToken(req *framework.Request, t *tokenstore.Token, raw string) (*framework.Response, error) {
	increment, err := renewIncrement(req)
	if err != nil {
		return nil, err
	}
	renewed, warnings, err := tokencmd.Renew(req.Context(), b.deps.Bus, t.Hash, increment, limits(req))
	if err != nil {
		return nil, httpError(err)
	}
	return &framework.Response{Auth: authResponse(renewed, raw), Warnings: warnings}, nil
}

// renewIncrement reads "increment": seconds, or a duration string.
func renewIncrement(req *framework.Request) (time.Duration, error) {
	d, _, err := req.Duration("increment")
	return d, err
}
