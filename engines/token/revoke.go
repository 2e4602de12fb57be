package token

import (
	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

func (b *Backend) revokePaths() []*framework.Path {
	return []*framework.Path{
		{Pattern: "revoke-self", Fields: map[string]*framework.FieldSchema{}, Synopsis: "Revoke the calling token and all child tokens", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: func(req *framework.Request) (*framework.Response, error) {
				return nil, b.revokeTree(req, callerToken(req))
			},
		}},
		{Pattern: "revoke-orphan", Fields: tokenField, Sudo: true, Synopsis: "Revoke a token but not its child tokens, which become orphans", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleRevokeOrphan,
		}},
		{Pattern: "revoke-accessor", Fields: accessorField, Synopsis: "Revoke a token and its children by the token's accessor", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleRevokeAccessor,
		}},
		{Pattern: "revoke", Fields: tokenField, Synopsis: "Revoke a token and all child tokens", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: func(req *framework.Request) (*framework.Response, error) {
				raw, err := requestToken(req)
				if err != nil {
					return nil, err
				}
				return nil, b.revokeTree(req, raw)
			},
		}},
	}
}

// revokeTree revokes raw and its descendants. An unknown token is not an
// error, as in Vault. An expired one is revoked all the same: that frees
// its records.
func (b *Backend) revokeTree(req *framework.Request, raw string) error {
	if raw == "" {
		return framework.BadRequest("missing token ID")
	}
	br, err := b.barrier()
	if err != nil {
		return err
	}
	_, err = tokencmd.RevokeTree(req.Context(), b.deps.Bus, tokenstore.Hash(br, raw), tokenevent.ReasonRevoked)
	return err
}

func (b *Backend) handleRevokeOrphan(req *framework.Request) (*framework.Response, error) {
	raw, err := requestToken(req)
	if err != nil {
		return nil, err
	}
	if !req.Sudo {
		return nil, framework.BadRequest("root or sudo privileges required to revoke and orphan")
	}
	t, err := b.liveOr(raw, now(), framework.BadRequest("token to revoke not found"))
	if err != nil {
		return nil, err
	}
	return nil, tokencmd.RevokeOrphan(req.Context(), b.deps.Bus, t.Hash)
}

func (b *Backend) handleRevokeAccessor(req *framework.Request) (*framework.Response, error) {
	t, err := b.accessorToken(req, now())
	if err != nil {
		return nil, err
	}
	if t == nil {
		return &framework.Response{Warnings: []string{"No token found with this accessor"}}, nil
	}
	_, err = tokencmd.RevokeTree(req.Context(), b.deps.Bus, t.Hash, tokenevent.ReasonRevoked)
	return nil, err
}
