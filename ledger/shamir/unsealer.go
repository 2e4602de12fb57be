package shamir

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"

	"github.com/cofferhq/coffer/ledger"
)

// Unsealer collects unseal key shares across sys/unseal requests with
// Vault's semantics: each accepted share raises the progress; the share that
// reaches the threshold triggers Combine and verification; a failure resets
// the attempt so the operators start again with a fresh nonce. It is safe
// for concurrent use; verification runs under its lock, so two requests
// cannot both complete the same attempt.
type Unsealer struct {
	threshold int
	shares    int
	verify    func(key []byte) error

	mu        sync.Mutex
	nonce     string
	collected [][]byte
}

// NewUnsealer returns an Unsealer for a key split into shares shares with
// the given threshold (the values recorded at init or rekey). verify is
// called with the combined key and must fail if the key is wrong, typically
// by unwrapping the stored root key with NewSeal(key) or by calling
// ledger.Store.Unseal; nil skips verification.
func NewUnsealer(threshold, shares int, verify func(key []byte) error) (*Unsealer, error) {
	if shares < 1 || shares > MaxParts || threshold < 1 || threshold > shares || (threshold == 1 && shares != 1) {
		return nil, ErrInvalidParams
	}
	return &Unsealer{threshold: threshold, shares: shares, verify: verify}, nil
}

// Threshold is the number of shares needed (sys/seal-status "t").
func (u *Unsealer) Threshold() int { return u.threshold }

// Shares is the number of shares handed out (sys/seal-status "n").
func (u *Unsealer) Shares() int { return u.shares }

// Progress is the number of shares accepted in the current attempt.
func (u *Unsealer) Progress() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.collected)
}

// Nonce identifies the current attempt; it is empty while no share has been
// submitted, as in Vault's seal-status.
func (u *Unsealer) Nonce() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.nonce
}

// Submit adds one share. It returns the progress after the share, and once
// the threshold is reached done is true and key holds the verified unseal
// key; the Unsealer is then ready for the next attempt (progress 0).
//
// A malformed share (ErrMalformedShare) or one already given in this attempt
// (ErrDuplicateShare) is refused without changing the progress, so an
// operator's typo does not cost the others their submissions. If the
// threshold's shares combine into a key that verify rejects, the attempt is
// reset and the error wraps ErrWrongShares when verify failed
// authentication (ledger.ErrCorrupt); any other verify error is returned
// wrapped as it is, after the same reset.
func (u *Unsealer) Submit(share []byte) (progress int, done bool, key []byte, err error) {
	if len(share) != ledger.KeySize+ShareOverhead || share[len(share)-1] == 0 {
		return u.Progress(), false, nil, fmt.Errorf("%w: want %d bytes with a non-zero last byte", ErrMalformedShare, ledger.KeySize+ShareOverhead)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, c := range u.collected {
		// Same x-coordinate: either the same share again or a share of
		// another split; neither can help this attempt.
		if c[len(c)-1] == share[len(share)-1] || subtle.ConstantTimeCompare(c, share) == 1 {
			return len(u.collected), false, nil, ErrDuplicateShare
		}
	}
	if len(u.collected) == 0 {
		u.nonce = newNonce()
	}
	u.collected = append(u.collected, append([]byte(nil), share...))
	if len(u.collected) < u.threshold {
		return len(u.collected), false, nil, nil
	}

	combined, err := Combine(u.collected)
	u.resetLocked()
	if err != nil {
		return 0, false, nil, fmt.Errorf("%w: %w", ErrWrongShares, err)
	}
	if u.verify != nil {
		if err := u.verify(combined); err != nil {
			clear(combined)
			if errors.Is(err, ledger.ErrCorrupt) {
				return 0, false, nil, fmt.Errorf("%w: %w", ErrWrongShares, err)
			}
			// Not a wrong key (the store may be unreachable): say so,
			// but the attempt is gone all the same, as in Vault.
			return 0, false, nil, fmt.Errorf("shamir: verify unseal key: %w", err)
		}
	}
	return 0, true, combined, nil
}

// OpensRootKey returns a verify function for NewUnsealer that accepts a key
// only if it unwraps wrappedRootKey (the seal message stored in the
// ledger). It is pure cryptography, so its only failure is a wrong key.
func OpensRootKey(wrappedRootKey []byte) func(key []byte) error {
	return func(key []byte) error {
		seal, err := NewSeal(key)
		if err != nil {
			return err
		}
		root, err := seal.Unwrap(wrappedRootKey)
		clear(root)
		return err
	}
}

// Reset abandons the current attempt (sys/unseal with reset=true).
func (u *Unsealer) Reset() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.resetLocked()
}

func (u *Unsealer) resetLocked() {
	for _, c := range u.collected {
		clear(c)
	}
	u.collected = nil
	u.nonce = ""
}

// newNonce returns a random (version 4) UUID, the form of Vault's nonce.
func newNonce() string {
	var b [16]byte
	randomBytes(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
