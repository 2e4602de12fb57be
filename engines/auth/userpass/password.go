package userpass

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Scheme is a password hashing scheme.
type Scheme string

// Schemes.
const (
	Bcrypt   Scheme = "bcrypt"
	Argon2id Scheme = "argon2id"
)

// Hasher hashes new passwords. The zero value is bcrypt at Vault's cost.
type Hasher struct {
	Scheme Scheme
	// BcryptCost; 0 is bcrypt.DefaultCost (10).
	BcryptCost int
	// Argon2id parameters; zeros take OWASP's: 19 MiB, 2 passes, 1 lane.
	ArgonMemoryKiB uint32
	ArgonTime      uint32
	ArgonThreads   uint8
}

func (h Hasher) argon() (m, t uint32, p uint8) {
	m, t, p = h.ArgonMemoryKiB, h.ArgonTime, h.ArgonThreads
	if m == 0 {
		m = 19 * 1024
	}
	if t == 0 {
		t = 2
	}
	if p == 0 {
		p = 1
	}
	return m, t, p
}

// Hash returns the stored form of password.
func (h Hasher) Hash(password string) (string, error) {
	switch h.Scheme {
	case "", Bcrypt:
		cost := h.BcryptCost
		if cost == 0 {
			cost = bcrypt.DefaultCost
		}
		b, err := bcrypt.GenerateFromPassword([]byte(password), cost)
		if err != nil {
			return "", fmt.Errorf("userpass: hashing password: %w", err)
		}
		return string(b), nil
	case Argon2id:
		m, t, p := h.argon()
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return "", fmt.Errorf("userpass: random: %w", err)
		}
		sum := argon2.IDKey([]byte(password), salt, t, m, p, 32)
		enc := base64.RawStdEncoding
		return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
	}
	return "", fmt.Errorf("userpass: unknown password scheme %q", h.Scheme)
}

var errMismatch = errors.New("userpass: password does not match")

// Check reports whether password matches the stored hash, in constant time
// for that hash.
func Check(stored, password string) error {
	switch {
	case strings.HasPrefix(stored, "$argon2id$"):
		var v int
		var m, t uint32
		var p uint8
		parts := strings.Split(stored, "$")
		if len(parts) != 6 {
			return errors.New("userpass: malformed argon2id hash")
		}
		if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
			return errors.New("userpass: unsupported argon2id version")
		}
		if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
			return errors.New("userpass: malformed argon2id parameters")
		}
		enc := base64.RawStdEncoding
		salt, err1 := enc.DecodeString(parts[4])
		want, err2 := enc.DecodeString(parts[5])
		if err1 != nil || err2 != nil || len(want) == 0 {
			return errors.New("userpass: malformed argon2id hash")
		}
		got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			return errMismatch
		}
		return nil
	case strings.HasPrefix(stored, "$2"):
		if err := bcrypt.CompareHashAndPassword([]byte(stored), []byte(password)); err != nil {
			return errMismatch
		}
		return nil
	}
	return errors.New("userpass: unknown password hash format")
}

var (
	dummyMu     sync.Mutex
	dummyHashes = map[Hasher]string{}
)

// dummyHash is a hash of the hasher's scheme and cost to check against
// when the user does not exist, so that case costs the same time.
func (h Hasher) dummyHash() string {
	dummyMu.Lock()
	defer dummyMu.Unlock()
	if d, ok := dummyHashes[h]; ok {
		return d
	}
	d, err := h.Hash("dummy")
	if err != nil {
		d = "$2a$10$invalidinvalidinvalidinvalidinvalidinvalidinvalidinva"
	}
	dummyHashes[h] = d
	return d
}

// Bounds on an imported bcrypt hash, as Vault's: below 5 is too weak,
// above 12 makes logins a denial of service.
const (
	minImportCost = 5
	maxImportCost = 12
)

// checkImportedHash validates password_hash.
func checkImportedHash(hash string) error {
	cost, err := bcrypt.Cost([]byte(hash))
	switch {
	case err != nil:
		return errors.New("password_hash is not a valid bcrypt hash")
	case cost < minImportCost:
		return fmt.Errorf("bcrypt cost of %d is too low, want %d at minimum", cost, minImportCost)
	case cost > maxImportCost:
		return fmt.Errorf("bcrypt cost of %d exceeds maximum cost of %d", cost, maxImportCost)
	}
	return nil
}
