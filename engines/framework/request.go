package framework

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Operation is what a request does, named like Vault's logical operations.
type Operation string

// Operations. Create and Update are both writes; which one a write is
// depends on the path's ExistenceCheck, as in Vault.
const (
	CreateOperation Operation = "create"
	ReadOperation   Operation = "read"
	UpdateOperation Operation = "update"
	PatchOperation  Operation = "patch"
	DeleteOperation Operation = "delete"
	ListOperation   Operation = "list"
)

// Auth describes the caller's token, as resolved by the gateway.
type Auth struct {
	// ClientToken is the raw token; only the token engine may read it.
	ClientToken string
	Accessor    string
	Policies    []string
	TokenType   string
	EntityID    string
	DisplayName string
	Meta        map[string]string
	IsRoot      bool
	// Orphan and Parent let the token engine build children.
	Parent string
	Orphan bool
	// ExpireTime is zero for tokens that never expire.
	ExpireTime time.Time
}

// Request is one logical API request routed to an engine.
type Request struct {
	ID        string
	Operation Operation
	// Path is relative to the mount ("data/foo" for secret/data/foo).
	Path string
	// MountPath is the mount's path with a trailing slash ("secret/").
	MountPath string
	MountType string
	// MountAccessor is stable across remounts; engines key their storage
	// by it.
	MountAccessor string
	// MountConfig holds the mount's tuned TTLs and options.
	MountConfig MountConfig
	// Vars are the named groups captured by the matched path pattern.
	Vars map[string]string
	// Data is the decoded JSON body (or query parameters for reads).
	Data map[string]any
	// ContentType of the body; "application/merge-patch+json" for PATCH.
	ContentType string
	Query       url.Values
	Headers     http.Header
	Auth        *Auth
	// Ctx carries the request's deadline and the command metadata.
	Ctx context.Context
	// Sudo reports whether the caller's policies grant sudo on this path.
	Sudo bool
}

// Context returns the request's context (never nil).
func (r *Request) Context() context.Context {
	if r.Ctx == nil {
		return context.Background()
	}
	return r.Ctx
}

// MountConfig is the tunable part of a mount.
type MountConfig struct {
	DefaultLeaseTTL time.Duration
	MaxLeaseTTL     time.Duration
	Options         map[string]string
}

// Secret is the lease part of a response.
type Secret struct {
	LeaseID       string
	LeaseDuration time.Duration
	Renewable     bool
}

// AuthResponse is what a login or token creation returns.
type AuthResponse struct {
	ClientToken   string            `json:"client_token"`
	Accessor      string            `json:"accessor"`
	Policies      []string          `json:"policies"`
	TokenPolicies []string          `json:"token_policies"`
	Metadata      map[string]string `json:"metadata"`
	LeaseDuration int64             `json:"lease_duration"`
	Renewable     bool              `json:"renewable"`
	EntityID      string            `json:"entity_id"`
	TokenType     string            `json:"token_type"`
	Orphan        bool              `json:"orphan"`
	NumUses       int               `json:"num_uses"`
}

// Response is what a handler returns. A nil Response with a nil error is
// 204 No Content.
type Response struct {
	Data     map[string]any
	Secret   *Secret
	Auth     *AuthResponse
	Warnings []string
	// StatusCode overrides the default (200, or 204 when empty).
	StatusCode int
	// Raw, when set, is written as the body verbatim (sys/health and other
	// non-envelope answers), with RawContentType.
	Raw            []byte
	RawContentType string
	// Headers are added to the HTTP response.
	Headers http.Header
	// Stream, when set, takes over the connection after the request was
	// authorised and audited: event subscriptions (SSE, WebSocket) answer
	// this way. The request's HTTP objects are passed as they came.
	Stream func(w http.ResponseWriter, r *http.Request)
}
