package token

import (
	"fmt"
	"net/http"
	"sort"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

func (b *Backend) adminPaths() []*framework.Path {
	return []*framework.Path{
		{Pattern: "accessors/?", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ListOperation: b.handleListAccessors,
		}},
		{Pattern: "tidy", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleTidy,
		}},
		{Pattern: "roles/?", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ListOperation: func(*framework.Request) (*framework.Response, error) { return nil, framework.ErrNotFound },
		}},
		{Pattern: "roles/" + framework.GenericNameRegex("role_name"), Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation: func(*framework.Request) (*framework.Response, error) { return nil, framework.ErrNotFound },
			framework.UpdateOperation: func(*framework.Request) (*framework.Response, error) {
				return nil, framework.BadRequest("token roles are not supported by coffer")
			},
		}},
	}
}

// handleListAccessors lists the accessors of live tokens. The gateway
// demands sudo through RootPaths; the check here keeps the path safe if a
// deployment forgets to register them.
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
	err = tokenstore.Each(b.deps.Store, br, func(t *tokenstore.Token) bool {
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
		return nil, httpError(err)
	}
	return &framework.Response{
		StatusCode: http.StatusAccepted,
		Warnings:   []string{fmt.Sprintf("Tidy operation finished: %d expired tokens revoked.", n)},
	}, nil
}
