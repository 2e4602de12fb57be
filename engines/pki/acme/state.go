package acme

import (
	"errors"
	"sync"
	"time"
)

// Statuses of ACME objects (RFC 8555 7.1.6).
const (
	StatusPending     = "pending"
	StatusProcessing  = "processing"
	StatusValid       = "valid"
	StatusInvalid     = "invalid"
	StatusReady       = "ready"
	StatusExpired     = "expired"
	StatusDeactivated = "deactivated"
)

// ChallengeHTTP01 is the only challenge type this server offers.
const ChallengeHTTP01 = "http-01"

// Account is an ACME account: a key and its contacts.
type Account struct {
	ID         string    `json:"id"`
	Key        JWK       `json:"key"`
	Thumbprint string    `json:"thumbprint"`
	Status     string    `json:"status"`
	Contact    []string  `json:"contact,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Identifier is what an order asks a certificate for.
type Identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Challenge is one way to prove control of an identifier.
type Challenge struct {
	Type      string    `json:"type"`
	Token     string    `json:"token"`
	Status    string    `json:"status"`
	Validated time.Time `json:"validated,omitzero"`
	Error     *Problem  `json:"error,omitempty"`
}

// Authorization is an account's proof of control over one identifier.
type Authorization struct {
	ID         string      `json:"id"`
	AccountID  string      `json:"account_id"`
	Identifier Identifier  `json:"identifier"`
	Status     string      `json:"status"`
	Expires    time.Time   `json:"expires"`
	Challenges []Challenge `json:"challenges"`
}

// Order is a request for one certificate.
type Order struct {
	ID          string       `json:"id"`
	AccountID   string       `json:"account_id"`
	Status      string       `json:"status"`
	Expires     time.Time    `json:"expires"`
	Identifiers []Identifier `json:"identifiers"`
	AuthzIDs    []string     `json:"authz_ids"`
	// CertID names the issued chain (Store.Cert) once the order is valid.
	CertID string   `json:"cert_id,omitempty"`
	Error  *Problem `json:"error,omitempty"`
}

// ErrNotFound is returned by a Store for a missing object.
var ErrNotFound = errors.New("acme: not found")

// Store keeps ACME state. The engine's implementation records each change
// as an event; MemStore keeps it in memory. Implementations must be safe
// for concurrent use; Put* replace the whole object.
type Store interface {
	PutAccount(*Account) error
	Account(id string) (*Account, error)
	AccountByThumbprint(tp string) (*Account, error)
	PutOrder(*Order) error
	Order(id string) (*Order, error)
	PutAuthz(*Authorization) error
	Authz(id string) (*Authorization, error)
	PutCert(id string, chainPEM []byte) error
	Cert(id string) ([]byte, error)
}

// authzStatus is an authorization's status at now: its own, or expired.
func authzStatus(a *Authorization, now time.Time) string {
	if (a.Status == StatusPending || a.Status == StatusValid) && !now.Before(a.Expires) {
		return StatusExpired
	}
	return a.Status
}

// orderStatus derives an order's status from its authorizations (RFC 8555
// 7.1.6): invalid if any failed or expired, ready when all are valid,
// pending otherwise; processing and valid are set by finalization.
func orderStatus(o *Order, authzs []*Authorization, now time.Time) string {
	switch o.Status {
	case StatusValid, StatusInvalid, StatusProcessing:
		return o.Status
	}
	if !now.Before(o.Expires) {
		return StatusInvalid
	}
	all := true
	for _, a := range authzs {
		switch authzStatus(a, now) {
		case StatusInvalid, StatusExpired, StatusDeactivated:
			return StatusInvalid
		case StatusValid:
		default:
			all = false
		}
	}
	if all {
		return StatusReady
	}
	return StatusPending
}

// challengeResult applies a validation outcome to an authorization: the
// challenge and the authorization both become valid, or both invalid with
// the problem.
func challengeResult(a *Authorization, typ string, now time.Time, failure *Problem) {
	for i := range a.Challenges {
		c := &a.Challenges[i]
		if c.Type != typ {
			continue
		}
		if failure == nil {
			c.Status, c.Validated, c.Error = StatusValid, now, nil
			a.Status = StatusValid
		} else {
			c.Status, c.Error = StatusInvalid, failure
			a.Status = StatusInvalid
		}
	}
}

// MemStore is an in-memory Store.
type MemStore struct {
	mu       sync.Mutex
	accounts map[string]Account
	byTP     map[string]string
	orders   map[string]Order
	authzs   map[string]Authorization
	certs    map[string][]byte
}

// NewMemStore makes an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{accounts: map[string]Account{}, byTP: map[string]string{}, orders: map[string]Order{},
		authzs: map[string]Authorization{}, certs: map[string][]byte{}}
}

func (m *MemStore) PutAccount(a *Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.accounts[a.ID] = *a
	m.byTP[a.Thumbprint] = a.ID
	return nil
}

func (m *MemStore) Account(id string) (*Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[id]
	if !ok {
		return nil, ErrNotFound
	}
	return &a, nil
}

func (m *MemStore) AccountByThumbprint(tp string) (*Account, error) {
	m.mu.Lock()
	id, ok := m.byTP[tp]
	m.mu.Unlock()
	if !ok {
		return nil, ErrNotFound
	}
	return m.Account(id)
}

func (m *MemStore) PutOrder(o *Order) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.orders[o.ID] = *o
	return nil
}

func (m *MemStore) Order(id string) (*Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orders[id]
	if !ok {
		return nil, ErrNotFound
	}
	return &o, nil
}

func (m *MemStore) PutAuthz(a *Authorization) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *a
	c.Challenges = append([]Challenge(nil), a.Challenges...)
	m.authzs[a.ID] = c
	return nil
}

func (m *MemStore) Authz(id string) (*Authorization, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.authzs[id]
	if !ok {
		return nil, ErrNotFound
	}
	a.Challenges = append([]Challenge(nil), a.Challenges...)
	return &a, nil
}

func (m *MemStore) PutCert(id string, chain []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.certs[id] = append([]byte(nil), chain...)
	return nil
}

func (m *MemStore) Cert(id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.certs[id]
	if !ok {
		return nil, ErrNotFound
	}
	return c, nil
}
