package authkit

import (
	"time"

	"github.com/cofferhq/coffer/events/authevent"
)

// TokenType is the kind of token a login asks the core for; it is stored
// with roles, so it lives with the auth event schemas.
type TokenType = authevent.TokenType

// Token types, spelled as Vault spells them on the wire.
const (
	TokenTypeDefault        = authevent.TokenTypeDefault
	TokenTypeService        = authevent.TokenTypeService
	TokenTypeBatch          = authevent.TokenTypeBatch
	TokenTypeDefaultService = authevent.TokenTypeDefaultService
	TokenTypeDefaultBatch   = authevent.TokenTypeDefaultBatch
)

// Alias is the entity alias a login names.
type Alias struct {
	Name     string
	Metadata map[string]string
}

// Auth is what a successful login hands to the core, which mints the token,
// records the login and creates its lease. Field meanings are Vault's.
type Auth struct {
	DisplayName string
	// Policies are the token policies as configured (not yet sanitised or
	// given "default"; the core does that, as Vault's does).
	Policies        []string
	NoDefaultPolicy bool
	// Metadata is shown in the token's lookup and the login response.
	Metadata map[string]string
	// InternalData is kept with the token for renewal (e.g. the role name)
	// and never shown to clients.
	InternalData   map[string]string
	Alias          *Alias
	TTL            time.Duration
	MaxTTL         time.Duration
	ExplicitMaxTTL time.Duration
	Period         time.Duration
	NumUses        int
	// BoundCIDRs restrict where the minted token may be used from.
	BoundCIDRs []string
	TokenType  TokenType
	Renewable  bool
}
