package authpath

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/cofferhq/coffer/engines/auth/authkit"
	"github.com/cofferhq/coffer/engines/auth/ratelimit"
	"github.com/cofferhq/coffer/engines/auth/tokenparams"
	"github.com/cofferhq/coffer/engines/framework"
)

// RenewTTLs is the LoginTTLs of a user's or role's token settings, which
// a renewed login token takes (Vault's renew callbacks return them).
func RenewTTLs(p *tokenparams.Params) *framework.LoginTTLs {
	return &framework.LoginTTLs{TTL: p.TTL, MaxTTL: p.MaxTTL, Period: p.Period}
}

// Fields reads req's fields (body and path variables) with Vault's
// coercions, as the pure packages expect.
func Fields(req *framework.Request) authkit.Fields {
	if req.FieldData == nil {
		return authkit.RawFields(req.Data)
	}
	return authkit.RawFields(req.FieldData.Raw)
}

// Err turns a refusal of the pure packages into the framework's error
// with Vault's status and message; any other error passes unchanged (a
// 500 that names nothing).
func Err(err error) error {
	if err == nil {
		return nil
	}
	var rl *ratelimit.Refusal
	if errors.As(err, &rl) {
		return &Limited{coded: framework.Errorf(http.StatusTooManyRequests, "%s", rl.Error()), seconds: rl.RetryAfterSeconds()}
	}
	if status, msg, ok := authkit.StatusOf(err); ok {
		return framework.Errorf(status, "%s", msg)
	}
	return err
}

// Limited is a login refused by the limiter: a 429 whose Retry-After the
// gateway sends.
type Limited struct {
	coded   error
	seconds int
}

func (l *Limited) Error() string { return l.coded.Error() }

// Unwrap exposes the coded error (status and message).
func (l *Limited) Unwrap() error { return l.coded }

// RetryAfterSeconds is the Retry-After value.
func (l *Limited) RetryAfterSeconds() int { return l.seconds }

// Outcome classifies a failed check for the limiter: a refused credential
// counts as a failure, anything else (a dependency down, a 500) does not.
func Outcome(a *ratelimit.Attempt, err error) {
	switch {
	case err == nil:
		a.Succeeded()
	case errors.Is(err, authkit.ErrInvalidCredentials), errors.Is(err, authkit.ErrPermissionDenied), errors.Is(err, authkit.ErrInvalidRequest):
		a.Failed()
	default:
		a.Abandon()
	}
}

// Source is the address the limiter counts a request against.
func Source(req *framework.Request) string {
	if h, _, err := net.SplitHostPort(req.RemoteAddr); err == nil {
		return h
	}
	return req.RemoteAddr
}

// CoreAuth is the Auth block the core mints a token from.
func CoreAuth(a *authkit.Auth) *framework.Auth {
	out := &framework.Auth{
		DisplayName: a.DisplayName, Policies: a.Policies, NoDefaultPolicy: a.NoDefaultPolicy,
		Metadata: a.Metadata, InternalData: a.InternalData, TTL: a.TTL, MaxTTL: a.MaxTTL,
		ExplicitMaxTTL: a.ExplicitMaxTTL, Period: a.Period, NumUses: a.NumUses, BoundCIDRs: a.BoundCIDRs,
		TokenType: a.TokenType.String(), Renewable: a.Renewable,
	}
	if a.Alias != nil {
		out.Alias = &framework.Alias{Name: a.Alias.Name, Metadata: a.Alias.Metadata}
	}
	return out
}

var fieldTypes = map[string]framework.FieldType{
	"comma_string_slice": framework.TypeCommaStringSlice,
	"duration_second":    framework.TypeDurationSecond,
	"int":                framework.TypeInt,
	"bool":               framework.TypeBool,
	"string":             framework.TypeString,
}

// TokenFields adds the common token fields (and the legacy names given)
// to a path's declaration.
func TokenFields(fields map[string]*framework.FieldSchema, legacy ...tokenparams.Alias) map[string]*framework.FieldSchema {
	for _, s := range tokenparams.Specs(legacy...) {
		fields[s.Name] = &framework.FieldSchema{Type: fieldTypes[s.Type], Description: s.Description, Deprecated: s.Deprecated}
	}
	return fields
}

// Ops is a path's operations table, for brevity.
type Ops = map[framework.Operation]framework.HandlerFunc

// Wrap adapts a handler whose refusals come from the pure packages.
func Wrap(h framework.HandlerFunc) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		resp, err := h(req)
		return resp, Err(err)
	}
}

// List answers a LIST with the names list returns: Vault's {"keys": [...]},
// or 404 when there are none.
func List(list func() ([]string, error)) framework.HandlerFunc {
	return func(*framework.Request) (*framework.Response, error) {
		names, err := list()
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, framework.ErrNotFound
		}
		return &framework.Response{Data: map[string]any{"keys": names}}, nil
	}
}

// Limiter builds the failed-login limiter of one auth mount from its
// options (ratelimit.OptionPair and the others). Each mount has its own:
// a tune builds the mount's backend, and its limiter, afresh. Options that
// do not parse give the defaults and an error the mount's logins answer
// with (a 400 naming the option), so the mistake is seen at once and the
// rest of the mount still works.
func Limiter(mount framework.MountInfo, now func() time.Time) (*ratelimit.Limiter, error) {
	cfg, err := ratelimit.FromOptions(mount.Options, now)
	if err != nil {
		return ratelimit.New(ratelimit.Config{Now: now}), framework.BadRequest("auth mount %q: %v", mount.Path, err)
	}
	return ratelimit.New(cfg), nil
}
