package acme

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// Nonces issues and redeems replay nonces: 128 random bits, each usable
// once, valid for a lifetime. They are node-local, as Vault's are; a client
// that meets another node gets badNonce and retries with the fresh nonce
// that response carries.
type Nonces struct {
	mu       sync.Mutex
	live     map[string]time.Time
	lifetime time.Duration
	now      func() time.Time
	max      int
}

// NewNonces makes a nonce store. now is the clock (time.Now in
// production); at most max nonces are outstanding, the oldest dropped.
func NewNonces(lifetime time.Duration, max int, now func() time.Time) *Nonces {
	return &Nonces{live: map[string]time.Time{}, lifetime: lifetime, now: now, max: max}
}

// New issues a nonce.
func (n *Nonces) New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.now()
	if len(n.live) >= n.max {
		n.sweep(now)
	}
	n.live[v] = now.Add(n.lifetime)
	return v
}

// Redeem consumes a nonce; false if it was never issued, already used or
// expired.
func (n *Nonces) Redeem(v string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	exp, ok := n.live[v]
	if !ok {
		return false
	}
	delete(n.live, v)
	return n.now().Before(exp)
}

// sweep drops expired nonces, and the oldest ones while still full.
func (n *Nonces) sweep(now time.Time) {
	for v, exp := range n.live {
		if !now.Before(exp) {
			delete(n.live, v)
		}
	}
	for len(n.live) >= n.max {
		var oldest string
		var at time.Time
		for v, exp := range n.live {
			if oldest == "" || exp.Before(at) {
				oldest, at = v, exp
			}
		}
		delete(n.live, oldest)
	}
}
