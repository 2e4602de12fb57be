package tokenparams

import (
	"sort"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
)

// Alias is a deprecated field name a method may still accept.
type Alias string

// The legacy names and the token_ field each stands for.
const (
	LegacyPolicies   Alias = "policies"    // token_policies
	LegacyTTL        Alias = "ttl"         // token_ttl
	LegacyMaxTTL     Alias = "max_ttl"     // token_max_ttl
	LegacyPeriod     Alias = "period"      // token_period
	LegacyNumUses    Alias = "num_uses"    // token_num_uses
	LegacyBoundCIDRs Alias = "bound_cidrs" // token_bound_cidrs
)

// Parser parses the token fields for one method.
type Parser struct {
	// Legacy lists the deprecated names the method accepts.
	Legacy []Alias
	// AdjustDefaultTypes turns token_type "default-service" and
	// "default-batch" into "service" and "batch" with a warning, as Vault's
	// AppRole does; other methods refuse them.
	AdjustDefaultTypes bool
}

// Parse applies the fields present in f to p, then the legacy names. It
// returns Vault's warnings; a refusal is a 400 with Vault's message. p is
// left unchanged on error.
func (ps Parser) Parse(p *Params, f authkit.Fields) (warnings []string, err error) {
	next := *p
	next.Policies = append([]string(nil), p.Policies...)
	next.BoundCIDRs = append([]string(nil), p.BoundCIDRs...)
	if warnings, err = ps.parseToken(&next, f); err != nil {
		return nil, err
	}
	if err := ps.upgrade(&next, f); err != nil {
		return nil, err
	}
	*p = next
	return warnings, nil
}

func truncSeconds(d time.Duration) time.Duration { return d / time.Second * time.Second }

// parseToken is Vault's ParseTokenFields.
func (ps Parser) parseToken(p *Params, f authkit.Fields) ([]string, error) {
	var warnings []string
	if v, ok, err := f.StringSlice("token_bound_cidrs"); err != nil {
		return nil, err
	} else if ok {
		cidrs, err := authkit.ParseAddrs(v)
		if err != nil {
			return nil, authkit.BadRequest("%s", err.Error())
		}
		p.BoundCIDRs = cidrs
	}
	if v, ok, err := f.Duration("token_explicit_max_ttl"); err != nil {
		return nil, err
	} else if ok {
		p.ExplicitMaxTTL = truncSeconds(v)
	}
	if v, ok, err := f.Duration("token_max_ttl"); err != nil {
		return nil, err
	} else if ok {
		p.MaxTTL = truncSeconds(v)
	}
	if p.MaxTTL < 0 {
		return nil, authkit.BadRequest("'token_max_ttl' cannot be negative")
	}
	if v, ok, err := f.Bool("token_no_default_policy"); err != nil {
		return nil, err
	} else if ok {
		p.NoDefaultPolicy = v
	}
	if v, ok, err := f.Duration("token_period"); err != nil {
		return nil, err
	} else if ok {
		p.Period = truncSeconds(v)
	}
	if p.Period < 0 {
		return nil, authkit.BadRequest("'token_period' cannot be negative")
	}
	if v, ok, err := f.StringSlice("token_policies"); err != nil {
		return nil, err
	} else if ok {
		p.Policies = v
	}
	if v, ok, err := f.String("token_type"); err != nil {
		return nil, err
	} else if ok {
		if ps.AdjustDefaultTypes {
			switch v {
			case "default-service":
				v = "service"
				warnings = append(warnings, "default-service has no useful meaning; adjusting to service")
			case "default-batch":
				v = "batch"
				warnings = append(warnings, "default-batch has no useful meaning; adjusting to batch")
			}
		}
		switch v {
		case "", "default":
			p.Type = authkit.TokenTypeDefault
		case "service":
			p.Type = authkit.TokenTypeService
		case "batch":
			p.Type = authkit.TokenTypeBatch
		default:
			return nil, authkit.BadRequest("invalid 'token_type' value %q", v)
		}
	}
	if v, ok, err := f.Int("token_num_uses"); err != nil {
		return nil, err
	} else if ok {
		p.NumUses = int(v)
	}
	if p.NumUses < 0 {
		return nil, authkit.BadRequest("'token_num_uses' cannot be negative")
	}
	if p.IsBatch() {
		if p.Period != 0 {
			return nil, authkit.BadRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens")
		}
		if p.NumUses != 0 {
			return nil, authkit.BadRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count")
		}
	}
	if v, ok, err := f.Duration("token_ttl"); err != nil {
		return nil, err
	} else if ok {
		p.TTL = truncSeconds(v)
	}
	if p.TTL < 0 {
		return nil, authkit.BadRequest("'token_ttl' cannot be negative")
	}
	if p.TTL > 0 && p.MaxTTL > 0 && p.TTL > p.MaxTTL {
		return nil, authkit.BadRequest("'token_ttl' cannot be greater than 'token_max_ttl'")
	}
	return warnings, nil
}

// upgrade is Vault's tokenutil.UpgradeValue for each accepted legacy name.
func (ps Parser) upgrade(p *Params, f authkit.Fields) error {
	secs := func(d time.Duration) (time.Duration, error) { return truncSeconds(d), nil }
	same := func(n int64) (int64, error) { return n, nil }
	for _, a := range ps.Legacy {
		var err error
		switch a {
		case LegacyPolicies:
			err = upgradeValue(f.StringSlice, string(a), "token_policies", &p.Legacy.Policies, &p.Policies, ParsePolicies)
		case LegacyBoundCIDRs:
			err = upgradeValue(f.StringSlice, string(a), "token_bound_cidrs", &p.Legacy.BoundCIDRs, &p.BoundCIDRs, func(in []string) ([]string, error) {
				out, err := authkit.ParseAddrs(in)
				if err != nil {
					return nil, authkit.BadRequest("%s", err.Error())
				}
				return out, nil
			})
		case LegacyTTL:
			err = upgradeValue(f.Duration, string(a), "token_ttl", &p.Legacy.TTL, &p.TTL, secs)
		case LegacyMaxTTL:
			err = upgradeValue(f.Duration, string(a), "token_max_ttl", &p.Legacy.MaxTTL, &p.MaxTTL, secs)
		case LegacyPeriod:
			err = upgradeValue(f.Duration, string(a), "token_period", &p.Legacy.Period, &p.Period, secs)
		case LegacyNumUses:
			oldN, newN := int64(p.Legacy.NumUses), int64(p.NumUses)
			err = upgradeValue(f.Int, string(a), "token_num_uses", &oldN, &newN, same)
			p.Legacy.NumUses, p.NumUses = int(oldN), int(newN)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// upgradeValue applies one legacy name: honoured only when the token_ name
// is absent; when both are given the legacy value follows the token_ one;
// when only the token_ name is given the legacy value is cleared.
func upgradeValue[T any](get func(string) (T, bool, error), oldKey, newKey string, oldVal, newVal *T, conv func(T) (T, error)) error {
	_, newOK, err := get(newKey)
	if err != nil {
		return err
	}
	v, oldOK, err := get(oldKey)
	if err != nil {
		return err
	}
	var zero T
	switch {
	case !newOK && oldOK:
		c, err := conv(v)
		if err != nil {
			return err
		}
		*oldVal, *newVal = c, c
	case newOK && oldOK:
		*oldVal = *newVal
	case newOK:
		*oldVal = zero
	}
	return nil
}

// ParsePolicies is Vault's policyutil.ParsePolicies for a list: names are
// trimmed and lower-cased, empty ones dropped, duplicates removed and the
// result sorted; "root" anywhere leaves only "root". "default" is not
// added.
func ParsePolicies(in []string) ([]string, error) {
	seen := make(map[string]struct{}, len(in))
	out := make([]string, 0, len(in))
	for _, p := range in {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if p == "root" {
			return []string{"root"}, nil
		}
		if _, dup := seen[p]; dup {
			continue
		}
		seen[p] = struct{}{}
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}
