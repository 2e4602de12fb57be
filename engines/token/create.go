package token

import (
	"strings"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

func (b *Backend) createPaths() []*framework.Path {
	return []*framework.Path{
		{Pattern: "create-orphan", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleCreate(true),
		}},
		{Pattern: "create/" + framework.GenericNameRegex("role_name"), Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: func(req *framework.Request) (*framework.Response, error) {
				return nil, framework.BadRequest("unknown role %s", req.Vars["role_name"])
			},
		}},
		{Pattern: "create", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleCreate(false),
		}},
	}
}

func (b *Backend) handleCreate(orphan bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		at := now()
		parent, err := b.live(callerToken(req), at)
		if err != nil {
			return nil, err
		}
		cr, id, err := parseCreate(req)
		if err != nil {
			return nil, err
		}
		cr.Orphan = orphan
		cr.Path = "auth/token/" + req.Path
		cr.Sudo = req.Sudo
		plan, warnings, err := tokencmd.PlanCreate(parent, cr, limits(req), at)
		if err != nil {
			return nil, httpError(err)
		}
		raw := id
		if raw == "" {
			raw = tokencmd.NewToken()
		} else if err := validateCustomID(raw); err != nil {
			return nil, err
		}
		t, err := tokencmd.Create(req.Context(), b.deps.Bus, raw, tokencmd.NewAccessor(), plan)
		if err != nil {
			return nil, httpError(err)
		}
		return &framework.Response{Auth: authResponse(t, raw), Warnings: warnings}, nil
	}
}

// parseCreate reads the creation fields the way Vault's token store does
// ("meta" for metadata, "lease" as an old name for "ttl").
func parseCreate(req *framework.Request) (tokencmd.CreateRequest, string, error) {
	var (
		cr  tokencmd.CreateRequest
		err error
	)
	id, _, err := req.String("id")
	if err != nil {
		return cr, "", err
	}
	if cr.Policies, _, err = req.StringSlice("policies"); err != nil {
		return cr, "", err
	}
	if cr.Meta, _, err = req.StringMap("meta"); err != nil {
		return cr, "", err
	}
	if cr.NoParent, _, err = req.Bool("no_parent"); err != nil {
		return cr, "", err
	}
	if cr.NoDefaultPolicy, _, err = req.Bool("no_default_policy"); err != nil {
		return cr, "", err
	}
	var ttlSet bool
	if cr.TTL, ttlSet, err = req.Duration("ttl"); err != nil {
		return cr, "", err
	}
	if !ttlSet {
		if cr.TTL, _, err = req.Duration("lease"); err != nil {
			return cr, "", err
		}
	}
	if cr.ExplicitMaxTTL, _, err = req.Duration("explicit_max_ttl"); err != nil {
		return cr, "", err
	}
	if cr.Period, _, err = req.Duration("period"); err != nil {
		return cr, "", err
	}
	if renewable, set, err := req.Bool("renewable"); err != nil {
		return cr, "", err
	} else if set {
		cr.Renewable = &renewable
	}
	if cr.DisplayName, _, err = req.String("display_name"); err != nil {
		return cr, "", err
	}
	numUses, _, err := req.Int("num_uses")
	if err != nil {
		return cr, "", err
	}
	cr.NumUses = int(numUses)
	if cr.Type, _, err = req.String("type"); err != nil {
		return cr, "", err
	}
	if alias, _, err := req.String("entity_alias"); err != nil {
		return cr, "", err
	} else if alias != "" {
		return cr, "", framework.BadRequest("'entity_alias' is only allowed in combination with token role")
	}
	cr.CustomID = id != ""
	return cr, id, nil
}

// validateCustomID applies Vault's rules for a chosen token value: it must
// not look like a generated token.
func validateCustomID(id string) error {
	switch {
	case strings.HasPrefix(id, tokencmd.ServicePrefix):
		return framework.BadRequest("custom token ID cannot have the 'hvs.' prefix")
	case strings.HasPrefix(id, "s."):
		return framework.BadRequest("custom token ID cannot have the 's.' prefix")
	case strings.Contains(id, "."):
		return framework.BadRequest("custom token ID cannot have a '.' in the value")
	}
	return nil
}

// authResponse is the "auth" block of a creation or renewal. raw is empty
// when the caller named the token by accessor.
func authResponse(t *tokenstore.Token, raw string) *framework.AuthResponse {
	return &framework.AuthResponse{
		ClientToken:   raw,
		Accessor:      t.Accessor,
		Policies:      t.Policies,
		TokenPolicies: t.Policies,
		Metadata:      t.Meta,
		LeaseDuration: tokenstore.Seconds(t.LeaseTTL),
		Renewable:     t.Renewable,
		EntityID:      t.EntityID,
		TokenType:     t.Type,
		Orphan:        t.Orphan(),
		NumUses:       t.NumUses,
	}
}
