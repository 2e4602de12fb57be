package token

import (
	"strings"
	"time"

	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/tokenevent"
)

// createFields are the token store's creation fields, as Vault declares
// them ("meta" for metadata, "lease" as an old name for "ttl").
var createFields = map[string]*framework.FieldSchema{
	"role_name":         {Type: framework.TypeString, Description: "Name of the role"},
	"id":                {Type: framework.TypeString, Description: "Value for the token"},
	"policies":          {Type: framework.TypeCommaStringSlice, Description: "List of policies for the token"},
	"meta":              {Type: framework.TypeKVPairs, Description: "Arbitrary key=value metadata to associate with the token"},
	"no_parent":         {Type: framework.TypeBool, Description: "Do not include the parent token in the created token's chain (needs sudo)"},
	"no_default_policy": {Type: framework.TypeBool, Description: "Do not include the default policy"},
	"ttl":               {Type: framework.TypeDurationSecond, Description: "Time to live for this token"},
	"lease":             {Type: framework.TypeDurationSecond, Description: "Use 'ttl' instead", Deprecated: true},
	"explicit_max_ttl":  {Type: framework.TypeDurationSecond, Description: "Explicit Max TTL for this token"},
	"period":            {Type: framework.TypeDurationSecond, Description: "Renew period (needs sudo)"},
	"renewable":         {Type: framework.TypeBool, Default: true, Description: "Allow token to be renewed past its initial TTL up to system/mount maximum TTL"},
	"display_name":      {Type: framework.TypeString, Description: "Name to associate with this token"},
	"num_uses":          {Type: framework.TypeInt, Description: "Max number of uses for this token"},
	"type":              {Type: framework.TypeString, Description: "Token type: \"service\" (stored) or \"batch\" (sealed, not stored)"},
	"entity_alias":      {Type: framework.TypeString, Description: "Name of the entity alias to associate with during token creation (only with a token role)"},
}

func (b *Backend) createPaths() []*framework.Path {
	return []*framework.Path{
		{Pattern: "create-orphan", Fields: createFields, Synopsis: "Create a root-level token (no parent)", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleCreate(true),
		}},
		{Pattern: "create/" + framework.GenericNameRegex("role_name"), Fields: createFields, Synopsis: "Create a token against a token role", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleCreate(false),
		}},
		{Pattern: "create", Fields: createFields, Synopsis: "Create a new token", Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: b.handleCreate(false),
		}},
	}
}

func (b *Backend) handleCreate(orphan bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		at := now()
		parent, err := b.caller(req, at)
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
		if name := req.Vars["role_name"]; name != "" {
			if cr, err = b.withRole(parent, cr, name, req.String("entity_alias")); err != nil {
				return nil, err
			}
		}
		plan, warnings, err := tokencmd.PlanCreate(parent, cr, limits(req), at)
		if err != nil {
			return nil, err
		}
		if plan.Type == tokencmd.TypeBatch {
			return b.batch(plan, warnings)
		}
		raw := id
		if raw == "" {
			raw = tokencmd.NewToken()
		} else if err := validateCustomID(raw); err != nil {
			return nil, err
		}
		t, err := tokencmd.Create(req.Context(), b.deps.Bus, raw, tokencmd.NewAccessor(), plan)
		if err != nil {
			return nil, err
		}
		return &framework.Response{Auth: authResponse(t, raw), Warnings: warnings}, nil
	}
}

// parseCreate reads the creation fields the way Vault's token store does
// ("meta" for metadata, "lease" as an old name for "ttl").
func parseCreate(req *framework.Request) (tokencmd.CreateRequest, string, error) {
	cr := tokencmd.CreateRequest{
		Policies:        req.Strings("policies"),
		Meta:            req.StringMap("meta"),
		NoParent:        req.Bool("no_parent"),
		NoDefaultPolicy: req.Bool("no_default_policy"),
		ExplicitMaxTTL:  req.Duration("explicit_max_ttl"),
		Period:          req.Duration("period"),
		DisplayName:     req.String("display_name"),
		NumUses:         req.Int("num_uses"),
		Type:            req.String("type"),
	}
	if len(cr.Policies) == 0 {
		cr.Policies = nil // "inherit the parent's"
	}
	if len(cr.Meta) == 0 {
		cr.Meta = nil
	}
	ttl, ttlSet := req.DurationOk("ttl")
	if !ttlSet {
		ttl = req.Duration("lease")
	}
	cr.TTL = ttl
	if renewable, set := req.BoolOk("renewable"); set {
		cr.Renewable = &renewable
	}
	if req.String("entity_alias") != "" && req.Vars["role_name"] == "" {
		return cr, "", framework.BadRequest("'entity_alias' is only allowed in combination with token role")
	}
	id := req.String("id")
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
func authResponse(t *tokenevent.Token, raw string) *framework.Auth {
	return &framework.Auth{
		ClientToken:   raw,
		Accessor:      t.Accessor,
		Policies:      t.Policies,
		TokenPolicies: t.Policies,
		Metadata:      t.Meta,
		TTL:           t.LeaseTTL.Truncate(time.Second),
		Renewable:     t.Renewable,
		EntityID:      t.EntityID,
		TokenType:     t.Type,
		Orphan:        t.Orphan(),
		NumUses:       t.NumUses,
	}
}

// batch answers a batch token creation: the sealed record is the token,
// nothing is appended.
func (b *Backend) batch(plan tokenevent.Created, warnings []string) (*framework.Response, error) {
	br, err := b.barrier()
	if err != nil {
		return nil, err
	}
	raw, err := tokencmd.SealBatch(br, plan)
	if err != nil {
		return nil, err
	}
	t, err := tokencmd.OpenBatch(b.deps.Store, br, raw)
	if err != nil {
		return nil, err
	}
	return &framework.Response{Auth: authResponse(t, raw), Warnings: warnings}, nil
}
