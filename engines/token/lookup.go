package token

import (
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
)

func (b *Backend) lookupPaths() []*framework.Path {
	return []*framework.Path{
		{Pattern: "lookup", Fields: tokenField, Synopsis: "Display information about the specified token", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation:   b.handleLookup,
			framework.UpdateOperation: b.handleLookup,
		}},
		{Pattern: "lookup-self", Fields: map[string]*framework.FieldSchema{}, Synopsis: "Display information about the calling token", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation:   b.handleLookupSelf,
			framework.UpdateOperation: b.handleLookupSelf,
		}},
		{Pattern: "lookup-accessor", Fields: accessorField, Synopsis: "Display information about a token by its accessor", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleLookupAccessor,
		}},
	}
}

func (b *Backend) handleLookup(req *framework.Request) (*framework.Response, error) {
	raw := req.String("token")
	if raw == "" {
		raw = callerToken(req)
	}
	if raw == "" {
		return nil, framework.BadRequest("missing token ID")
	}
	return b.lookupRaw(raw)
}

func (b *Backend) handleLookupSelf(req *framework.Request) (*framework.Response, error) {
	raw := callerToken(req)
	if raw == "" {
		return nil, framework.BadRequest("missing token ID")
	}
	return b.lookupRaw(raw)
}

func (b *Backend) lookupRaw(raw string) (*framework.Response, error) {
	at := now()
	t, err := b.liveOr(raw, at, badToken())
	if err != nil {
		return nil, err
	}
	return &framework.Response{Data: lookupData(t, raw, at)}, nil
}

func (b *Backend) handleLookupAccessor(req *framework.Request) (*framework.Response, error) {
	at := now()
	t, err := b.accessorToken(req, at)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, framework.BadRequest("invalid accessor")
	}
	// As Vault: the accessor must not reveal the token.
	return &framework.Response{Data: lookupData(t, "", at)}, nil
}

// lookupData is Vault's lookup answer. The parent is left out on purpose,
// as in Vault: knowing it would let a child act as its parent.
func lookupData(t *tokenevent.Token, id string, at time.Time) map[string]any {
	d := map[string]any{
		"accessor":         t.Accessor,
		"creation_time":    t.CreationTime.Unix(),
		"creation_ttl":     tokenevent.Seconds(t.CreationTTL),
		"display_name":     t.DisplayName,
		"entity_id":        t.EntityID,
		"expire_time":      nil,
		"explicit_max_ttl": tokenevent.Seconds(t.ExplicitMaxTTL),
		"id":               id,
		"issue_time":       t.CreationTime,
		"meta":             t.Meta,
		"num_uses":         t.NumUses,
		"orphan":           t.Orphan(),
		"path":             t.Path,
		"policies":         t.Policies,
		"renewable":        t.Renewable,
		"ttl":              int64(0),
		"type":             t.Type,
	}
	if !t.ExpireTime.IsZero() {
		d["expire_time"] = t.ExpireTime
		d["ttl"] = max(int64(t.ExpireTime.Sub(at.Round(time.Second))/time.Second), 0)
	}
	if t.Period > 0 {
		d["period"] = tokenevent.Seconds(t.Period)
	}
	if !t.LastRenewal.IsZero() {
		d["last_renewal_time"] = t.LastRenewal.Unix()
		d["last_renewal"] = t.LastRenewal
	}
	return d
}
