package ledger

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
}

// Barrier encrypts and decrypts with the keyring: the active term seals,
// every term opens. It is safe for concurrent use.
type Barrier struct {
	mu       sync.RWMutex
	active   uint32
	terms    map[uint32]cipher.AEAD
	created  map[uint32]time.Time
	auditKey []byte
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("ledger: cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

func newBarrier(rec keyringRecord) (*Barrier, error) {
	b := &Barrier{terms: map[uint32]cipher.AEAD{}, created: map[uint32]time.Time{}, auditKey: rec.AuditKey}
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
// Vault's audit devices write.
func (b *Barrier) AuditHMAC(s string) string {
	m := hmac.New(sha256.New, b.auditKey)
	m.Write([]byte(s))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
}

// HMAC returns a raw HMAC-SHA256 of s under a key derived from the audit key
// for the given purpose (used to name things without revealing them).
func (b *Barrier) HMAC(purpose, s string) []byte {
	m := hmac.New(sha256.New, b.auditKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(s))
	return m.Sum(nil)
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
	}
}

func (r keyringRecord) withNewTerm() keyringRecord {
	last := r.Terms[len(r.Terms)-1].Number
	terms := append(append([]Term(nil), r.Terms...), Term{Number: last + 1, Key: RandomKey(), CreatedAt: time.Now().UTC()})
	return keyringRecord{Terms: terms, AuditKey: r.AuditKey}
}

func marshalKeyring(r keyringRecord) []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic("ledger: keyring does not marshal: " + err.Error())
	}
	return b
}
