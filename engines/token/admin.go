package token

import (
	"fmt"
	"net/http"
	"sort"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

func (b *Backend) adminPaths() []*framework.Path {
	return []*framework.Path{
		{Pattern: "accessors/?", Fields: map[string]*framework.FieldSchema{}, Sudo: true, Synopsis: "List token accessors", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ListOperation: b.handleListAccessors,
		}},
		{Pattern: "tidy", Fields: map[string]*framework.FieldSchema{}, Synopsis: "Revoke expired tokens", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleTidy,
		}},
	}
}

// handleListAccessors lists the accessors of live tokens. The path needs
// sudo; the check here keeps it safe should the gateway ever be bypassed.
func (b *Backend) handleListAccessors(req *framework.Request) (*framework.Response, error) {
	if !req.Sudo {
		return nil, framework.Errorf(http.StatusForbidden, "permission denied")
	}
	br, err := b.barrier()
	if err != nil {
		return nil, err
	}
	at := now()
	keys := []string{}
	err = tokenstore.Each(b.deps.Store, br, func(t *tokenevent.Token) bool {
		if t.Live(at) {
			keys = append(keys, t.Accessor)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, framework.ErrNotFound
	}
	sort.Strings(keys)
	return &framework.Response{Data: map[string]any{"keys": keys}}, nil
}

// handleTidy revokes expired tokens. Vault starts tidy in the background
// and answers 202; Coffer's runs to completion before answering, with the
// same status so clients need not care.
func (b *Backend) handleTidy(req *framework.Request) (*framework.Response, error) {
	n, err := tokencmd.Tidy(req.Context(), b.deps.Bus, now())
	if err != nil {
		return nil, err
	}
	return &framework.Response{
		StatusCode: http.StatusAccepted,
		Warnings:   []string{fmt.Sprintf("Tidy operation finished: %d expired tokens revoked.", n)},
	}, nil
}
