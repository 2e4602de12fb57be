package ledger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Seal protects the root key. Dev mode keeps its key in a file; Shamir and
// AWS KMS seals plug in here.
type Seal interface {
	// Type is the seal type reported by sys/seal-status ("shamir", "awskms").
	Type() string
	// Wrap encrypts the root key for storage in the ledger.
	Wrap(rootKey []byte) ([]byte, error)
	// Unwrap recovers the root key from what Wrap produced.
	Unwrap(wrapped []byte) ([]byte, error)
}

// DevKeyFile is the file name of dev mode's unseal key inside the data dir.
// Its name says what it is: dev mode only, never production.
const DevKeyFile = "DEV-ONLY-unseal.key"

// DevSeal keeps the unseal key in a file in the data dir, so a dev server
// unseals itself. Anyone who can read the data dir can read every secret:
// that is what dev mode means.
type DevSeal struct{ key []byte }

// OpenDevSeal loads the dev unseal key from dir, creating it if absent.
func OpenDevSeal(dir string) (*DevSeal, error) {
	path := filepath.Join(dir, DevKeyFile)
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = RandomKey()
		if err := os.WriteFile(path, key, 0o600); err != nil {
			return nil, fmt.Errorf("ledger: write dev unseal key: %w", err)
		}
		return &DevSeal{key: key}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read dev unseal key: %w", err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: dev unseal key has %d bytes", ErrCorrupt, len(key))
	}
	return &DevSeal{key: key}, nil
}

// Type implements Seal.
func (*DevSeal) Type() string { return "shamir" }

// Wrap implements Seal.
func (s *DevSeal) Wrap(root []byte) ([]byte, error) {
	return sealWithKey(s.key, []byte("coffer-root-key"), root)
}

// Unwrap implements Seal.
func (s *DevSeal) Unwrap(w []byte) ([]byte, error) {
	return openWithKey(s.key, []byte("coffer-root-key"), w)
}
