package approle

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/events/approleevent"
)

// SecretID is the state of one secret ID, filed under its HMAC; the type
// is the event schema's.
type SecretID = approleevent.SecretID

// SecretIDRequest is a secret-id or custom-secret-id write.
type SecretIDRequest struct {
	// SecretID is the custom value; empty for a generated one.
	SecretID        string
	Metadata        map[string]string
	CIDRList        []string
	TokenBoundCIDRs []string
	NumUses         *int
	TTL             *time.Duration
}

// ParseSecretIDRequest reads metadata (a JSON object string, base64 of
// one, key=value pairs, or an object), cidr_list, token_bound_cidrs,
// num_uses, ttl and, when custom, secret_id.
func ParseSecretIDRequest(f authkit.Fields, custom bool) (SecretIDRequest, error) {
	var req SecretIDRequest
	var err error
	if custom {
		if req.SecretID, _, err = f.String("secret_id"); err != nil {
			return req, err
		}
		if req.SecretID == "" {
			return req, authkit.BadRequest("missing secret_id")
		}
	}
	if mf, ok := f.(interface {
		StringMap(string) (map[string]string, bool, error)
	}); ok {
		if m, present, err := mf.StringMap("metadata"); err == nil && present {
			req.Metadata = m
		}
	}
	if req.Metadata == nil {
		raw, _, err := f.String("metadata")
		if err != nil {
			return req, err
		}
		if req.Metadata, err = ParseMetadata(raw); err != nil {
			return req, authkit.BadRequest("failed to parse metadata: %v", err)
		}
	}
	if v, _, err := f.StringSlice("cidr_list"); err != nil {
		return req, err
	} else {
		req.CIDRList = nonEmpty(v)
	}
	if v, _, err := f.StringSlice("token_bound_cidrs"); err != nil {
		return req, err
	} else {
		req.TokenBoundCIDRs = nonEmpty(v)
	}
	if v, ok, err := f.Int("num_uses"); err != nil {
		return req, err
	} else if ok {
		n := int(v)
		req.NumUses = &n
	}
	if v, ok, err := f.Duration("ttl"); err != nil {
		return req, err
	} else if ok {
		d := v / time.Second * time.Second
		req.TTL = &d
	}
	return req, nil
}

// SecretIDTTL caps a secret ID's TTL by the mount's max lease TTL, as
// Vault's deriveSecretIDTTL: zero stays zero (no expiry).
func SecretIDTTL(ttl time.Duration, mount MountLimits) time.Duration {
	if mount.MaxLeaseTTL > 0 && (ttl < 0 || ttl > mount.MaxLeaseTTL) {
		return mount.MaxLeaseTTL
	}
	return ttl
}

// Issued is the outcome of a secret-ID write: the event to append and the
// response Vault gives (which holds the secret ID: it leaves only in the
// response, never in the event).
type Issued struct {
	Event    SecretIDIssued
	Response map[string]any
}

// DecideSecretIDIssue issues secretID (generated or custom) for role with
// accessor. The caller checks no secret ID with the same HMAC exists
// (SecretIDAlreadyRegistered). Refusals are 400 with Vault's messages.
func DecideSecretIDIssue(role *Role, req SecretIDRequest, secretID, accessor string, now time.Time, mount MountLimits) (*Issued, error) {
	if secretID == "" {
		return nil, authkit.BadRequest("missing secret_id")
	}
	if !role.BindSecretID {
		return nil, authkit.BadRequest("bind_secret_id is not set on the role")
	}
	if err := authkit.ValidateCIDRList(req.CIDRList); err != nil {
		return nil, authkit.BadRequest("failed to validate CIDR blocks: %s", err)
	}
	if err := subsetOf(role.SecretIDBoundCIDRs, req.CIDRList); err != nil {
		return nil, err
	}
	if err := authkit.ValidateCIDRList(req.TokenBoundCIDRs); err != nil {
		return nil, authkit.BadRequest("failed to validate token CIDR blocks: %s", err)
	}
	if err := subsetOf(role.Token.BoundCIDRs, req.TokenBoundCIDRs); err != nil {
		return nil, err
	}
	numUses := role.SecretIDNumUses
	if req.NumUses != nil {
		numUses = *req.NumUses
		if numUses < 0 {
			return nil, authkit.BadRequest("num_uses cannot be negative")
		}
		if role.SecretIDNumUses > 0 && (numUses == 0 || numUses > role.SecretIDNumUses) {
			return nil, authkit.BadRequest("num_uses cannot be higher than the role's secret_id_num_uses")
		}
	}
	ttl := role.SecretIDTTL
	if req.TTL != nil {
		ttl = *req.TTL
		if role.SecretIDTTL > 0 && (ttl == 0 || ttl > role.SecretIDTTL) {
			return nil, authkit.BadRequest("ttl cannot be longer than the role's secret_id_ttl")
		}
	}
	h, err := HMAC(role.HMACKey, secretID)
	if err != nil {
		return nil, authkit.BadRequest("failed to store secret_id: failed to create HMAC of secret ID: %s", err)
	}
	meta := maps.Clone(req.Metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	s := SecretID{
		HMAC:            h,
		Accessor:        accessor,
		NumUses:         numUses,
		TTL:             ttl,
		CreationTime:    now,
		LastUpdatedTime: now,
		Metadata:        meta,
		CIDRList:        slices.Clone(req.CIDRList),
		TokenBoundCIDRs: slices.Clone(req.TokenBoundCIDRs),
	}
	effective := SecretIDTTL(ttl, mount)
	if effective != 0 {
		s.ExpirationTime = now.Add(effective)
	}
	return &Issued{
		Event: SecretIDIssued{Role: role.Name, SecretID: s},
		Response: map[string]any{
			"secret_id":          secretID,
			"secret_id_accessor": accessor,
			"secret_id_ttl":      int64(effective / time.Second),
			"secret_id_num_uses": numUses,
		},
	}, nil
}

// SecretIDAlreadyRegistered is the refusal of a custom secret ID that
// exists already.
func SecretIDAlreadyRegistered() error { return authkit.BadRequest("SecretID is already registered") }

func subsetOf(outer, inner []string) error {
	ok, err := authkit.CIDRSubset(outer, inner)
	if err != nil || !ok {
		msg := "failed to verify subset relationship between CIDR blocks on the role %q and CIDR blocks on the secret ID %q"
		if err != nil {
			return authkit.BadRequest(msg+": %s", outer, inner, err)
		}
		return authkit.BadRequest(msg, outer, inner)
	}
	return nil
}

// DecideSecretIDDestroy destroys a secret ID (by ID or by accessor). A
// secret ID that does not exist is not an error and yields no event, as
// Vault answers 204 either way.
func DecideSecretIDDestroy(role *Role, s *SecretID) []Event {
	if s == nil {
		return nil
	}
	return []Event{SecretIDDestroyed{Role: role.Name, HMAC: s.HMAC, Accessor: s.Accessor, Reason: ReasonDestroyed}}
}

// DecideTidy destroys the expired secret IDs among entries
// (tidy/secret-id and the periodic sweep).
func DecideTidy(role *Role, entries []*SecretID, now time.Time) []Event {
	var out []Event
	for _, s := range entries {
		if s != nil && s.Expired(now) {
			out = append(out, SecretIDDestroyed{Role: role.Name, HMAC: s.HMAC, Accessor: s.Accessor, Reason: ReasonTidied})
		}
	}
	return out
}

// ParseAccessor reads secret_id_accessor for the accessor lookup and
// destroy paths.
func ParseAccessor(f authkit.Fields) (string, error) {
	v, _, err := f.String("secret_id_accessor")
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(v) == "" {
		return "", authkit.BadRequest("missing secret_id_accessor")
	}
	return v, nil
}
