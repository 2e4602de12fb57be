package ledger

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"time"
)

// KeySize is the size of every symmetric key in the hierarchy (AES-256).
const KeySize = 32

// Term is one generation of the keyring's encryption key.
type Term struct {
	Number    uint32    `json:"n"`
	Key       []byte    `json:"k"`
	CreatedAt time.Time `json:"at"`
}

// keyringRecord is what the keyring message holds once decrypted.
type keyringRecord struct {
	Terms []Term `json:"terms"`
	// AuditKey keys the HMAC of audit records; it never rotates, so old
	// audit hashes stay comparable.
	AuditKey []byte `json:"audit"`
	// Derive is how the HMAC keys come from AuditKey (see Barrier.HMAC):
	// 0 for keyrings made before per-purpose keys, deriveHKDF since.
	Derive int `json:"derive,omitempty"`
}

// deriveHKDF: the audit HMAC and every storage purpose get their own key,
// HKDF-SHA256 of AuditKey with the purpose as info (issue 10, item 9).
const deriveHKDF = 1

// Barrier encrypts and decrypts with the keyring: the active term seals,
// every term opens. It is safe for concurrent use.
type Barrier struct {
	mu       sync.RWMutex
	active   uint32
	terms    map[uint32]cipher.AEAD
	created  map[uint32]time.Time
	auditKey []byte
	derive   int
	// hkdfAudit is the audit HMAC key derived from auditKey; purposeKeys
	// caches the per-purpose keys (deriveHKDF keyrings) as *keyedMAC.
	hkdfAudit   []byte
	purposeKeys sync.Map
	// auditMAC and hkdfAuditMAC hash under auditKey and hkdfAudit.
	auditMAC, hkdfAuditMAC *keyedMAC
}

// keyedMAC hands out HMAC-SHA256 states of one key. hmac.New hashes the
// key into its pads on every call, about a third of the cost of hashing
// a short value, and every request hashes several (its token, accessor
// and data in audit records, its token's lookup key): a pooled state is
// Reset to the keyed state instead (issue 16).
type keyedMAC struct {
	key  []byte
	pool sync.Pool
}

func newKeyedMAC(key []byte) *keyedMAC { return &keyedMAC{key: key} }

// sum appends HMAC(key, prefix || s) to dst.
func (k *keyedMAC) sum(dst []byte, prefix, s string) []byte {
	m, _ := k.pool.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, k.key)
	} else {
		m.Reset()
	}
	io.WriteString(m, prefix)
	io.WriteString(m, s)
	dst = m.Sum(dst)
	k.pool.Put(m)
	return dst
}

// derivedKey is HKDF-SHA256(auditKey, info) truncated to KeySize.
func derivedKey(secret []byte, info string) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, info, KeySize)
	if err != nil {
		panic("ledger: hkdf: " + err.Error()) // only for lengths out of range
	}
	return k
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("ledger: cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

func newBarrier(rec keyringRecord) (*Barrier, error) {
	b := &Barrier{terms: map[uint32]cipher.AEAD{}, created: map[uint32]time.Time{}, auditKey: rec.AuditKey, derive: rec.Derive}
	b.hkdfAudit = derivedKey(rec.AuditKey, "coffer audit hmac")
	b.auditMAC, b.hkdfAuditMAC = newKeyedMAC(b.auditKey), newKeyedMAC(b.hkdfAudit)
	for _, t := range rec.Terms {
		aead, err := newAEAD(t.Key)
		if err != nil {
			return nil, err
		}
		b.terms[t.Number] = aead
		b.created[t.Number] = t.CreatedAt
		if t.Number > b.active {
			b.active = t.Number
		}
	}
	if b.active == 0 {
		return nil, fmt.Errorf("%w: keyring has no terms", ErrCorrupt)
	}
	return b, nil
}

// ActiveTerm is the term new ciphertexts are sealed under.
func (b *Barrier) ActiveTerm() (uint32, time.Time) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.active, b.created[b.active]
}

// Seal encrypts plaintext under the active term. The output is
// term(4) || nonce(12) || ciphertext; aad binds it to its context.
func (b *Barrier) Seal(aad, plaintext []byte) []byte {
	b.mu.RLock()
	term, aead := b.active, b.terms[b.active]
	b.mu.RUnlock()
	out := make([]byte, 4, 4+aead.NonceSize()+len(plaintext)+aead.Overhead())
	binary.BigEndian.PutUint32(out, term)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("ledger: crypto/rand failed: " + err.Error())
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, aad)
}

// Open decrypts what Seal produced with the same aad.
func (b *Barrier) Open(aad, sealed []byte) ([]byte, error) {
	if len(sealed) < 4+12+16 {
		return nil, fmt.Errorf("%w: ciphertext too short", ErrCorrupt)
	}
	term := binary.BigEndian.Uint32(sealed)
	b.mu.RLock()
	aead := b.terms[term]
	b.mu.RUnlock()
	if aead == nil {
		return nil, fmt.Errorf("%w: %d", ErrUnknownTerm, term)
	}
	nonce := sealed[4 : 4+aead.NonceSize()]
	pt, err := aead.Open(nil, nonce, sealed[4+aead.NonceSize():], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrCorrupt)
	}
	return pt, nil
}

// AuditHMAC returns "hmac-sha256:<hex>" of s under the audit key, the form
// Vault's audit devices write. sys/audit-hash computes it for any value a
// caller sends, so it must never equal a storage key (HMAC): on a keyring
// with per-purpose keys it is keyed by its own derived key; on an older
// keyring (whose storage keys are HMAC(auditKey, purpose NUL value)) a
// value holding a NUL, the only kind that could collide, is hashed under
// the derived key instead, and every other value as before, so old audit
// hashes stay comparable.
func (b *Barrier) AuditHMAC(s string) string {
	mac := b.auditMAC
	if b.derive == deriveHKDF || strings.IndexByte(s, 0) >= 0 {
		mac = b.hkdfAuditMAC
	}
	const prefix = "hmac-sha256:"
	var sum [sha256.Size]byte
	out := make([]byte, len(prefix)+hex.EncodedLen(sha256.Size))
	copy(out, prefix)
	hex.Encode(out[len(prefix):], mac.sum(sum[:0], "", s))
	return string(out)
}

// HMAC returns a raw HMAC-SHA256 of s for the given purpose (used to name
// things without revealing them: storage keys, aggregate ids). On a
// keyring with per-purpose keys each purpose has its own HKDF-derived
// key; older keyrings keep HMAC(auditKey, purpose NUL s), so the keys
// their projections and events already hold stay valid.
func (b *Barrier) HMAC(purpose, s string) []byte {
	if b.derive == deriveHKDF {
		k, ok := b.purposeKeys.Load(purpose)
		if !ok {
			k, _ = b.purposeKeys.LoadOrStore(purpose, newKeyedMAC(derivedKey(b.auditKey, "coffer hmac "+purpose)))
		}
		return k.(*keyedMAC).sum(nil, "", s)
	}
	return b.auditMAC.sum(nil, purpose+"\x00", s)
}

// sealWithKey encrypts with a bare key (root key or seal key): nonce || ct.
func sealWithKey(key, aad, plaintext []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plaintext, aad), nil
}

func openWithKey(key, aad, sealed []byte) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: ciphertext too short", ErrCorrupt)
	}
	pt, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrCorrupt)
	}
	return pt, nil
}

// RandomKey returns KeySize random bytes.
func RandomKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic("ledger: crypto/rand failed: " + err.Error())
	}
	return k
}

func newKeyringRecord() keyringRecord {
	return keyringRecord{
		Terms:    []Term{{Number: 1, Key: RandomKey(), CreatedAt: time.Now().UTC()}},
		AuditKey: RandomKey(),
		Derive:   deriveHKDF,
	}
}

func (r keyringRecord) withNewTerm() keyringRecord {
	last := r.Terms[len(r.Terms)-1].Number
	terms := append(append([]Term(nil), r.Terms...), Term{Number: last + 1, Key: RandomKey(), CreatedAt: time.Now().UTC()})
	return keyringRecord{Terms: terms, AuditKey: r.AuditKey, Derive: r.Derive}
}

func marshalKeyring(r keyringRecord) []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic("ledger: keyring does not marshal: " + err.Error())
	}
	return b
}
