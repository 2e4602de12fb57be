package framework

import (
	"context"
	"sync"
	"time"
)

// LoginToken is a login token as its auth method sees it when the token is
// renewed.
type LoginToken struct {
	MountAccessor string
	Policies      []string
	Meta          map[string]string
	InternalData  map[string]string
}

// LoginTTLs are the token settings a user or role has now. At renewal
// they replace the ones the token was minted with, as the Auth block of
// Vault's renew callbacks does: a zero TTL means the mount's default, a
// zero MaxTTL the mount's max, a zero Period not periodic.
type LoginTTLs struct {
	TTL, MaxTTL, Period time.Duration
}

// LoginRenewer re-checks a login token when it is renewed, as Vault's auth
// methods' renew callbacks do: the user or role the token came from must
// still exist and, where Vault checks it, grant the same policies. It
// returns that user's or role's current token settings; an error refuses
// the renewal (and is the client's answer).
type LoginRenewer func(ctx context.Context, t LoginToken) (*LoginTTLs, error)

// LoginRenewers is the node's LoginRenewer of each auth method, by mount
// type. The token module consults it; modules register theirs through
// Instance.RenewLogin after their Start.
type LoginRenewers struct {
	mu     sync.RWMutex
	byType map[string]LoginRenewer
}

// Register makes r the renewer of mounts of type typ.
func (l *LoginRenewers) Register(typ string, r LoginRenewer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byType == nil {
		l.byType = map[string]LoginRenewer{}
	}
	l.byType[typ] = r
}

// Of returns the renewer of mounts of type typ, or nil when the method
// has none (its tokens renew within their limits alone). A nil
// LoginRenewers has none.
func (l *LoginRenewers) Of(typ string) LoginRenewer {
	if l == nil {
		return nil
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.byType[typ]
}
