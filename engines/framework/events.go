package framework

import "github.com/cofferhq/coffer/ledger"

// EventMap turns the module's ledger events into public events: CloudEvents
// shaped like Vault's event notifications, delivered to subscribers whose
// policies reach the event's data path. Map must copy names, versions and
// times only, never a secret value, password, key, token or ciphertext:
// decode the payload into a narrow struct that lacks those fields.
type EventMap struct {
	// Types are the ledger event types Map handles.
	Types []string
	// Map returns the public event of rec, or false when rec is not one
	// (housekeeping such as max_versions pruning).
	Map func(ec EventContext, rec *ledger.Record) (PublicEvent, bool)
}

// PublicEvent is what an EventMap makes of one record; the events hub adds
// the envelope (id, source, time, cursor, actor).
type PublicEvent struct {
	// Type is the event type subscribers match ("kv-v2/data-write").
	Type string
	// Path is the API path of the endpoint family; DataPath the path
	// whose ACL decides who sees the event.
	Path     string
	DataPath string
	Mount    MountRef
	// Metadata are Vault's string-valued event metadata.
	Metadata map[string]string
	// Owner is the accessor of the token the event is about (a lease's
	// holder, a token itself): that token receives the event whatever its
	// policies say about DataPath, so an agent follows its own leases.
	Owner string
	// Bearer lists values (lease ids, token accessors) that act as a
	// credential or name one: subscribers without sudo see them, wherever
	// they occur in the event, as their audit HMAC.
	Bearer []string
}

// MountRef names the mount an event happened in.
type MountRef struct {
	Path     string // with trailing slash
	Type     string
	Accessor string
}

// The built-in mounts, which are not in the mount table.
var (
	SysMountRef   = MountRef{Path: "sys/", Type: "system", Accessor: "system"}
	TokenMountRef = MountRef{Path: "auth/token/", Type: "token", Accessor: "auth_token"}
)

// EventContext is what a mapper may ask about the ledger around a record.
type EventContext interface {
	// MountByAccessor finds a mount by the accessor engine events carry
	// (mounts disabled since are still known).
	MountByAccessor(accessor string) (MountRef, bool)
	// MountByPath finds the mount holding path (longest prefix).
	MountByPath(path string) (MountRef, bool)
	// WasHTTPDelete reports whether the request with this id was an HTTP
	// DELETE (its audit record precedes its events in the ledger).
	WasHTTPDelete(requestID string) bool
	// LeaseOwner returns the accessor of the token a lease was issued to,
	// or "" when unknown.
	LeaseOwner(leaseID string) string
}
