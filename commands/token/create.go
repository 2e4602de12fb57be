package token

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
)

// CreateRequest is a token creation request as the engine parsed it.
type CreateRequest struct {
	// Policies requested; empty means "inherit the parent's".
	Policies        []string
	NoDefaultPolicy bool
	Meta            map[string]string
	DisplayName     string
	NumUses         int
	TTL             time.Duration
	ExplicitMaxTTL  time.Duration
	Period          time.Duration
	// Renewable defaults to true.
	Renewable *bool
	// Type is "", "service" or (refused) "batch".
	Type string
	// CustomID is set when the caller chose the token's value.
	CustomID bool
	// NoParent asks for an orphan (needs sudo); Orphan is set by the
	// create-orphan path, which the ACL guards instead.
	NoParent bool
	Orphan   bool
	// Path is the creation path recorded on the token.
	Path string
	// Sudo reports whether the caller holds sudo on the creation path.
	Sudo bool
	// BoundCIDRs come from a token role.
	BoundCIDRs []string

	// Set by ApplyRole: the role vouches for the policies and the period,
	// and caps the TTL.
	roleVouched bool
	rolePeriod  bool
	roleMaxTTL  time.Duration
}

var displayNameSanitize = regexp.MustCompile("[^a-zA-Z0-9-]")

// PlanCreate applies Vault's creation rules to a request from parent and
// returns the token.created payload (without accessor) and any warnings.
func PlanCreate(parent *tokenevent.Token, c CreateRequest, limits Limits, now time.Time) (tokenevent.Created, []string, error) {
	var none tokenevent.Created
	if parent == nil {
		return none, nil, ErrParentNotFound
	}
	if parent.NumUses > 0 {
		return none, nil, ErrRestrictedParent
	}
	switch c.Type {
	case "", tokenevent.TypeService:
	case TypeBatch:
	default:
		return none, nil, fmt.Errorf("%w: invalid 'token_type' value", ErrInvalid)
	}
	if c.NumUses < 0 {
		return none, nil, fmt.Errorf("%w: number of uses cannot be negative", ErrInvalid)
	}
	if c.TTL < 0 || c.ExplicitMaxTTL < 0 || c.Period < 0 {
		return none, nil, fmt.Errorf("%w: durations must be positive", ErrInvalid)
	}
	if c.CustomID && !c.Sudo {
		return none, nil, fmt.Errorf("%w to specify token id", ErrSudoRequired)
	}

	policies, err := planPolicies(parent, c)
	if err != nil {
		return none, nil, err
	}
	isRoot := slices.Contains(policies, "root")

	parentHash := parent.Hash
	switch {
	case c.NoParent:
		if !c.Sudo {
			return none, nil, fmt.Errorf("%w to create orphan token", ErrSudoRequired)
		}
		parentHash = ""
	case c.Orphan:
		parentHash = ""
	}
	entityID := ""
	if parentHash != "" {
		entityID = parent.EntityID
	}

	if c.roleMaxTTL > 0 && (limits.MaxTTL <= 0 || c.roleMaxTTL < limits.MaxTTL) {
		limits.MaxTTL = c.roleMaxTTL
	}
	if c.Period > 0 && !c.Sudo && !c.rolePeriod {
		return none, nil, fmt.Errorf("%w to create periodic token", ErrSudoRequired)
	}
	ttl := c.TTL.Truncate(time.Second)
	explicitMax := c.ExplicitMaxTTL.Truncate(time.Second)
	period := c.Period.Truncate(time.Second)
	var warnings []string
	if period > 0 || ttl > 0 || !isRoot {
		ttl, warnings, err = calculateTTL(limits, 0, ttl, period, explicitMax, now, now)
		if err != nil {
			return none, nil, err
		}
	}
	if ttl == 0 && explicitMax > 0 {
		ttl = explicitMax // root tokens are still bound by explicit_max_ttl
	}
	renewable := c.Renewable == nil || *c.Renewable
	var expire time.Time
	if ttl == 0 {
		if parent.CreationTTL != 0 {
			return none, nil, ErrNonExpiringFromExpiring
		}
		renewable = false // a token that never expires has nothing to renew
	} else {
		expire = now.Add(ttl)
	}

	display := "token"
	if c.DisplayName != "" {
		display = strings.TrimSuffix(displayNameSanitize.ReplaceAllString("token-"+c.DisplayName, "-"), "-")
	}
	created := tokenevent.Created{
		Parent:         parentHash,
		Policies:       policies,
		Meta:           c.Meta,
		DisplayName:    display,
		Path:           c.Path,
		EntityID:       entityID,
		Type:           tokenevent.TypeService,
		NumUses:        c.NumUses,
		CreationTime:   now,
		TTL:            tokenevent.Seconds(ttl),
		ExplicitMaxTTL: tokenevent.Seconds(explicitMax),
		Period:         tokenevent.Seconds(period),
		Renewable:      renewable,
		ExpireTime:     expire,
		BoundCIDRs:     c.BoundCIDRs,
	}
	if c.Type == TypeBatch {
		if err := planBatch(&created); err != nil {
			return none, nil, err
		}
	}
	return created, warnings, nil
}

// planPolicies is Vault's policy rule for creation without a role: no
// request inherits the parent's policies; a caller without sudo may only
// ask for a subset of its own (plus "default" if it has it); a sudo caller
// may ask for anything but root, which only a root parent may hand out.
func planPolicies(parent *tokenevent.Token, c CreateRequest) ([]string, error) {
	addDefault := false
	requested := c.Policies
	switch {
	case len(requested) == 0:
		requested = SanitizePolicies(parent.Policies, false)
	case !c.Sudo && !c.roleVouched:
		if !subset(SanitizePolicies(parent.Policies, false), SanitizePolicies(requested, false)) {
			return nil, ErrNotSubset
		}
		addDefault = !c.NoDefaultPolicy && slices.Contains(parent.Policies, "default")
	default:
		addDefault = !c.NoDefaultPolicy
	}
	policies := SanitizePolicies(requested, addDefault)
	if c.NoDefaultPolicy {
		policies = slices.DeleteFunc(policies, func(p string) bool { return p == "default" })
	}
	for _, p := range policies {
		if slices.Contains(unassignablePolicies, p) {
			return nil, fmt.Errorf("%w %q", ErrUnassignablePolicy, p)
		}
	}
	if slices.Contains(policies, "root") && !parent.IsRoot() {
		return nil, ErrRootParentRequired
	}
	return policies, nil
}

// PlanRoot is the payload of a root token made at bootstrap (dev mode):
// root policy, no parent, no expiry, as Vault's own root tokens.
func PlanRoot(now time.Time) tokenevent.Created {
	return tokenevent.Created{
		Policies:     []string{"root"},
		DisplayName:  "root",
		Path:         "auth/token/root",
		Type:         tokenevent.TypeService,
		CreationTime: now,
	}
}

// DecideCreate turns a planned creation into its event. existing is the
// live record under the same hash (a chosen id already in use), version the
// aggregate's version (non-zero when an earlier token with that id was
// revoked).
func DecideCreate(existing *tokenevent.Token, version uint64, hash, accessor string, c tokenevent.Created) ([]ledger.Event, error) {
	if existing != nil {
		return nil, ErrDuplicateID
	}
	c.Accessor = accessor
	return commands.Sequence(tokenevent.Kind, hash, version, ledger.MakeEvent(tokenevent.EventCreated, c)), nil
}
