package token

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer/events/tokenevent"
)

// Login is what an auth method's login asks the core to mint: Vault's auth
// block, less what the core decides itself.
type Login struct {
	// MountPath ("auth/userpass/") and MountAccessor name the auth mount;
	// Path is the login request's path.
	MountPath     string
	MountAccessor string
	Path          string
	DisplayName   string
	Policies      []string
	// NoDefaultPolicy leaves out the "default" policy.
	NoDefaultPolicy bool
	Meta            map[string]string
	InternalData    map[string]string
	// TTL and MaxTTL are the method's; MaxTTL 0 means the mount's.
	TTL            time.Duration
	MaxTTL         time.Duration
	ExplicitMaxTTL time.Duration
	Period         time.Duration
	NumUses        int
	BoundCIDRs     []string
	TokenType      string
	Renewable      bool
	// Alias is the entity alias name the login names.
	Alias string
}

// PlanLogin applies Vault's core rules to a login and returns the
// token.created payload (without accessor): policies sanitised with
// "default" unless NoDefaultPolicy, no root, TTL from the method capped by
// the method's and the mount's max (and explicit_max_ttl), a display name
// prefixed with the mount's name, no parent.
func PlanLogin(l Login, limits Limits, now time.Time) (tokenevent.Created, []string, error) {
	var none tokenevent.Created
	switch l.TokenType {
	case "", "default", "service", "default-service":
	case TypeBatch, "default-batch":
	default:
		return none, nil, fmt.Errorf("%w: invalid 'token_type' value", ErrInvalid)
	}
	if l.NumUses < 0 {
		return none, nil, fmt.Errorf("%w: number of uses cannot be negative", ErrInvalid)
	}
	policies := SanitizePolicies(l.Policies, !l.NoDefaultPolicy)
	if l.NoDefaultPolicy {
		policies = slices.DeleteFunc(policies, func(p string) bool { return p == "default" })
	}
	if slices.Contains(policies, "root") {
		return none, nil, ErrRootFromLogin
	}
	for _, p := range policies {
		if slices.Contains(unassignablePolicies, p) {
			return none, nil, fmt.Errorf("%w %q", ErrUnassignablePolicy, p)
		}
	}
	if l.MaxTTL > 0 && (limits.MaxTTL <= 0 || l.MaxTTL < limits.MaxTTL) {
		limits.MaxTTL = l.MaxTTL
	}
	ttl, warnings, err := calculateTTL(limits, 0, l.TTL.Truncate(time.Second), l.Period.Truncate(time.Second), l.ExplicitMaxTTL.Truncate(time.Second), now, now)
	if err != nil {
		return none, nil, err
	}
	mountName := strings.TrimSuffix(strings.TrimPrefix(l.MountPath, "auth/"), "/")
	created := tokenevent.Created{
		Policies:       policies,
		Meta:           l.Meta,
		DisplayName:    mountName + "-" + l.DisplayName,
		Path:           l.Path,
		Type:           tokenevent.TypeService,
		NumUses:        l.NumUses,
		CreationTime:   now,
		TTL:            tokenevent.Seconds(ttl),
		ExplicitMaxTTL: tokenevent.Seconds(l.ExplicitMaxTTL),
		Period:         tokenevent.Seconds(l.Period),
		Renewable:      l.Renewable,
		ExpireTime:     now.Add(ttl),
		BoundCIDRs:     l.BoundCIDRs,
		MountAccessor:  l.MountAccessor,
		Alias:          l.Alias,
		InternalData:   l.InternalData,
	}
	if l.TokenType == TypeBatch || l.TokenType == "default-batch" {
		if err := planBatch(&created); err != nil {
			return none, nil, err
		}
	}
	return created, warnings, nil
}
