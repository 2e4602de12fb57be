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
// depends on the path's ExistenceCheck, as in Vault. Help is a request for
// a path's documentation (?help=1).
const (
	CreateOperation Operation = "create"
	ReadOperation   Operation = "read"
	UpdateOperation Operation = "update"
	PatchOperation  Operation = "patch"
	DeleteOperation Operation = "delete"
	ListOperation   Operation = "list"
	HelpOperation   Operation = "help"
)

// Caller describes the caller's token, as resolved by the gateway.
type Caller struct {
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
	// BoundCIDRs restrict where the token may be used from (the gateway
	// checks them before the ACL).
	BoundCIDRs []string
	// NumUses is what the token had left when it was resolved; 0 is
	// unlimited, and a token created unlimited stays so, which lets the
	// token store skip spending a use (a second read and a command) on
	// every request of an unlimited token.
	NumUses int
	// Record is the token store's own record of the token as it resolved
	// it (a *tokenevent.Token for a service token), so that its handlers
	// need not read the caller's token a second time. Only the token
	// store reads it.
	Record any
}

// Request is one logical API request routed to an engine.
type Request struct {
	ID        string
	Operation Operation
	// Path is relative to the mount ("data/foo" for secret/data/foo).
	Path string
	// MountPath is the mount's path with a trailing slash ("secret/",
	// "auth/userpass/").
	MountPath string
	MountType string
	// MountAccessor is stable across remounts; engines key their storage
	// by it.
	MountAccessor string
	// MountConfig holds the mount's tuned TTLs and options.
	MountConfig MountConfig
	// Vars are the named groups captured by the matched path pattern.
	Vars map[string]string
	// Data is the decoded JSON body (or query parameters for reads), as
	// the client sent it. Handlers read their declared fields through the
	// embedded FieldData instead, which applies Vault's coercions.
	Data map[string]any
	// ContentType of the body; "application/merge-patch+json" for PATCH.
	ContentType string
	Query       url.Values
	Headers     http.Header
	// Method is the HTTP method, for the few paths whose answer differs
	// between GET and HEAD (ACME's new-nonce); both are reads.
	Method string
	// RawBody is the body as sent, set instead of Data when the path
	// declares the request's media type in Path.RawBody.
	RawBody []byte
	// RemoteAddr is the client's address ("ip:port"), for bound CIDRs.
	RemoteAddr string
	// Auth is the caller's token; nil on unauthenticated paths called
	// without one.
	Auth *Caller
	// Ctx carries the request's deadline and the command metadata.
	Ctx context.Context
	// Sudo reports whether the caller's policies grant sudo on this path.
	Sudo bool
	// WrapTTL is the response-wrapping TTL the client asked for
	// (X-Vault-Wrap-TTL); the gateway wraps the response when it is set.
	WrapTTL time.Duration

	// FieldData holds the path's declared fields, validated and coerced
	// before the handler runs (Handle sets it).
	*FieldData
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

// Secret is the lease part of a response. A handler whose credential
// already exists returns it with TTL and InternalData and no LeaseID: the
// core registers the lease (the module's Revoker revokes it later from
// InternalData) and fills LeaseID in. An engine that runs the lease
// protocol itself (database: lease.pending before the credential exists)
// returns LeaseID set, and the core leaves it alone.
type Secret struct {
	LeaseID       string
	LeaseDuration time.Duration
	Renewable     bool
	// TTL and MaxTTL bound a lease the core registers (MaxTTL 0: the
	// mount's max).
	TTL    time.Duration
	MaxTTL time.Duration
	// InternalData is what the module's Revoker needs to revoke; it is
	// sealed in the lease record and never shown.
	InternalData any
}

// Alias is the entity alias a login names (Vault's logical.Alias).
type Alias struct {
	Name     string
	Metadata map[string]string
}

// Auth is Vault's auth block (logical.Auth). A login handler returns it
// without ClientToken: the core then mints the token (policies sanitised,
// "default" added unless NoDefaultPolicy, TTLs capped by the auth mount),
// records it in the ledger with the login's path, mount and alias, and
// fills in the token fields below. The token store, which mints its own
// tokens, returns it with ClientToken set.
type Auth struct {
	DisplayName     string
	Policies        []string
	NoDefaultPolicy bool
	// Metadata is shown in the token's lookup and the login response.
	Metadata map[string]string
	// InternalData is kept with the token and never shown to clients.
	InternalData   map[string]string
	Alias          *Alias
	TTL            time.Duration
	MaxTTL         time.Duration
	ExplicitMaxTTL time.Duration
	Period         time.Duration
	NumUses        int
	// BoundCIDRs restrict where the minted token may be used from.
	BoundCIDRs []string
	// TokenType is "", "service", "default", "default-service", or
	// "batch"/"default-batch" for a batch token (sealed, not stored).
	TokenType string
	Renewable bool

	// Filled in once the token exists.
	ClientToken   string
	Accessor      string
	TokenPolicies []string
	EntityID      string
	Orphan        bool
}

// Response is what a handler returns. A nil Response with a nil error is
// 204 No Content.
type Response struct {
	Data     map[string]any
	Secret   *Secret
	Auth     *Auth
	Warnings []string
	// StatusCode overrides the default (200, or 204 when empty).
	StatusCode int
	// Raw, when set, is written as the body verbatim (sys/health, a PEM or
	// DER certificate, a CRL), with RawContentType.
	Raw            []byte
	RawContentType string
	// Headers are added to the HTTP response.
	Headers http.Header
	// Stream, when set, takes over the connection after the request was
	// authorised and audited: event subscriptions (SSE, WebSocket) answer
	// this way. The request's HTTP objects are passed as they came.
	Stream func(w http.ResponseWriter, r *http.Request)
	// WrapInfo is a response already wrapped (sys/wrapping/rewrap, or the
	// gateway's wrapping of any response): only it is shown.
	WrapInfo *WrapInfo
}

// WrapInfo is Vault's wrap_info: the response-wrapping token that holds a
// response in its cubbyhole.
type WrapInfo struct {
	Token           string
	Accessor        string
	TTL             time.Duration
	CreationTime    time.Time
	CreationPath    string
	WrappedAccessor string
}

// AddWarning appends a warning.
func (r *Response) AddWarning(w string) { r.Warnings = append(r.Warnings, w) }
