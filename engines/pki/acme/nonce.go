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
	order    []string // issue order, for dropping the oldest when full
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
	for len(n.live) >= n.max && len(n.order) > 0 {
		delete(n.live, n.order[0])
		n.order = n.order[1:]
	}
	n.live[v] = n.now().Add(n.lifetime)
	n.order = append(n.order, v)
	// Redeemed nonces stay in order until they reach its front; compact
	// when they dominate, so order stays proportional to live.
	if len(n.order) > 2*n.max {
		kept := n.order[:0]
		for _, x := range n.order {
			if _, ok := n.live[x]; ok {
				kept = append(kept, x)
			}
		}
		n.order = kept
	}
	return v
}

// Redeem consumes a nonce; false if it was never issued, already used,
// dropped or expired.
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
