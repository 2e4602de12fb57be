package shamir

import (
	"fmt"

	"github.com/cofferhq/coffer/ledger"
)

// SealType is what sys/seal-status reports for a Shamir seal.
const SealType = "shamir"

// rootKeyAAD binds the wrapped root key to its purpose. It is the same
// associated data as ledger.DevSeal uses: a dev seal is a Shamir seal whose
// key sits in a file, so a dev data dir can be unsealed with the file's key
// split into shares.
var rootKeyAAD = []byte("coffer-root-key")

// Seal is the ledger.Seal of a Shamir-sealed server: the unseal key that the
// shares combine to encrypts the root key with AES-256-GCM.
type Seal struct{ key []byte }

var _ ledger.Seal = (*Seal)(nil)

// NewSeal returns the seal for an unseal key of ledger.KeySize bytes. The
// key is copied.
func NewSeal(unsealKey []byte) (*Seal, error) {
	if len(unsealKey) != ledger.KeySize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrUnsealKeySize, len(unsealKey), ledger.KeySize)
	}
	return &Seal{key: append([]byte(nil), unsealKey...)}, nil
}

// Generate makes a fresh unseal key for sys/init and splits it into shares.
// The key itself is not returned: after init only the shares exist outside
// this process.
func Generate(shares, threshold int) (*Seal, [][]byte, error) {
	key := ledger.RandomKey()
	defer clear(key)
	parts, err := Split(key, shares, threshold)
	if err != nil {
		return nil, nil, err
	}
	seal, err := NewSeal(key)
	if err != nil {
		return nil, nil, err
	}
	return seal, parts, nil
}

// Type implements ledger.Seal.
func (*Seal) Type() string { return SealType }

// Wrap implements ledger.Seal.
func (s *Seal) Wrap(rootKey []byte) ([]byte, error) {
	return ledger.SealWith(s.key, rootKeyAAD, rootKey)
}

// Unwrap implements ledger.Seal. A wrong unseal key fails authentication
// (ledger.ErrCorrupt); it never yields a wrong root key.
func (s *Seal) Unwrap(wrapped []byte) ([]byte, error) {
	return ledger.OpenWith(s.key, rootKeyAAD, wrapped)
}
