package auditevent

import "time"

// Audit record event types: the gateway appends one request and one
// response record per audited request. They carry no aggregate (no
// concurrency control) and are never public events.
const (
	EventRequest  = "audit.request"
	EventResponse = "audit.response"
)

// Record is the payload of audit.request and audit.response. It follows
// the layout of Vault's file audit device, so tools that read Vault's audit
// log can read ours. Every string that could hold a secret (tokens,
// accessors, request and response data) is an HMAC under the ledger's
// audit key by the time it is a Record.
type Record struct {
	Time     time.Time `json:"time"`
	Type     string    `json:"type"`
	Auth     *Auth     `json:"auth,omitempty"`
	Request  Request   `json:"request"`
	Response *Response `json:"response,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// Auth is the caller's (request) or the issued (response) token.
type Auth struct {
	ClientToken   string            `json:"client_token,omitempty"`
	Accessor      string            `json:"accessor,omitempty"`
	DisplayName   string            `json:"display_name,omitempty"`
	Policies      []string          `json:"policies,omitempty"`
	TokenPolicies []string          `json:"token_policies,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	EntityID      string            `json:"entity_id,omitempty"`
	TokenType     string            `json:"token_type,omitempty"`
}

// Request is the request part of a record.
type Request struct {
	ID                  string    `json:"id"`
	Operation           string    `json:"operation"`
	MountType           string    `json:"mount_type,omitempty"`
	MountAccessor       string    `json:"mount_accessor,omitempty"`
	MountPoint          string    `json:"mount_point,omitempty"`
	ClientToken         string    `json:"client_token,omitempty"`
	ClientTokenAccessor string    `json:"client_token_accessor,omitempty"`
	Namespace           Namespace `json:"namespace"`
	Path                string    `json:"path"`
	Data                any       `json:"data,omitempty"`
	RemoteAddress       string    `json:"remote_address,omitempty"`
}

// Response is the response part of a response record.
type Response struct {
	MountType string         `json:"mount_type,omitempty"`
	Data      any            `json:"data,omitempty"`
	Auth      *Auth          `json:"auth,omitempty"`
	Secret    map[string]any `json:"secret,omitempty"`
	Warnings  []string       `json:"warnings,omitempty"`
	// WrapInfo is set when the response was wrapped: the wrapping token
	// and the accessors as HMACs, as Vault's audit devices show it.
	WrapInfo *WrapInfo `json:"wrap_info,omitempty"`
}

// WrapInfo is the wrap_info of a wrapped response.
type WrapInfo struct {
	Token           string    `json:"token"`
	Accessor        string    `json:"accessor"`
	TTL             int64     `json:"ttl"`
	CreationTime    time.Time `json:"creation_time"`
	CreationPath    string    `json:"creation_path"`
	WrappedAccessor string    `json:"wrapped_accessor,omitempty"`
}

// Namespace is a record's namespace, {"id": "root"} as Vault writes it
// (Coffer has the root namespace only). A struct, not a map: the JSON is
// the same, and encoding it costs no map sort on every record.
type Namespace struct {
	ID string `json:"id"`
}

// RootNamespace is the namespace of every record.
var RootNamespace = Namespace{ID: "root"}
