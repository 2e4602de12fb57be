package token

import (
	"context"
	"fmt"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
)

func (b *Backend) renewPaths() []*framework.Path {
	return []*framework.Path{
		{Pattern: "renew-self", Fields: incrementField(nil), Synopsis: "Renew the calling token", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: func(req *framework.Request) (*framework.Response, error) {
				return b.renew(req, callerToken(req))
			},
		}},
		{Pattern: "renew-accessor", Fields: incrementField(accessorField), Synopsis: "Renew a token by its accessor", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleRenewAccessor,
		}},
		{Pattern: "renew", Fields: incrementField(tokenField), Synopsis: "Renew a token", Operations: map[framework.Operation]framework.HandlerFunc{
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

func (b *Backend) renewToken(req *framework.Request, t *tokenevent.Token, raw string) (*framework.Response, error) {
	method, err := b.logins.check(req.Context(), t)
	if err != nil {
		return nil, err
	}
	lim := limits(req)
	if method != nil {
		lim.Method = &tokencmd.MethodTTLs{TTL: method.TTL, MaxTTL: method.MaxTTL, Period: method.Period}
	}
	renewed, warnings, err := tokencmd.Renew(req.Context(), b.deps.Bus, t.Hash, req.Duration("increment"), lim)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Auth: authResponse(renewed, raw), Warnings: warnings}, nil
}

// incrementField adds "increment" (seconds, or a duration string) to
// fields.
func incrementField(fields map[string]*framework.FieldSchema) map[string]*framework.FieldSchema {
	out := map[string]*framework.FieldSchema{
		"increment": {Type: framework.TypeDurationSecond, Description: "The desired increment in seconds to the token expiration"},
	}
	for k, v := range fields {
		out[k] = v
	}
	return out
}

// check asks a login token's auth method whether it may still be renewed
// (Vault's renew callback) and returns the user's or role's current token
// settings. Tokens of the token store itself, and of a method without a
// renewer, renew within their own settings (nil). A token whose mount is
// gone is refused: disabling a mount revokes its tokens, so one still
// alive is in the middle of that.
func (l Logins) check(ctx context.Context, t *tokenevent.Token) (*framework.LoginTTLs, error) {
	if l.Mounts == nil || l.Renewers == nil || t.MountAccessor == "" || t.MountAccessor == "auth_token" {
		return nil, nil
	}
	m, ok := l.Mounts.ByAccessor(t.MountAccessor)
	if !ok {
		return nil, fmt.Errorf("%w: token: the auth method that issued it is no longer mounted", framework.ErrPermissionDenied)
	}
	renew := l.Renewers.Of(m.Type)
	if renew == nil {
		return nil, nil
	}
	return renew(ctx, framework.LoginToken{
		MountAccessor: t.MountAccessor, Policies: t.Policies, Meta: t.Meta, InternalData: t.InternalData,
	})
}
