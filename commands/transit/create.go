package transit

import (
	"time"

	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
)

// MinAutoRotatePeriod is the shortest auto_rotate_period Vault accepts.
const MinAutoRotatePeriod = time.Hour

// Convergent-encryption schemes. Both derive the nonce by HMAC under a key
// derived together with the encryption key; they differ in what is
// HMAC'd.
const (
	// ConvergentVault is Vault's and OpenBao's version 3: the nonce is the
	// HMAC of the plaintext alone, so the same plaintext and context under
	// two associated_data values reuse an AES-GCM nonce. Kept for keys
	// that must give Vault's ciphertexts (convergent_version=3).
	ConvergentVault = 3
	// ConvergentAAD is Coffer's version 4: the nonce is the HMAC of the
	// associated data's length, the associated data and the plaintext
	// (issue 10, item 11), so a nonce repeats only with the whole input.
	ConvergentAAD = 4
	// ConvergentVersion is the scheme of convergent keys made here unless
	// the request asks for another.
	ConvergentVersion = ConvergentAAD
)

// CreateKey is a request for a new key.
type CreateKey struct {
	Type                 KeyType
	Derived              bool
	Convergent           bool
	Exportable           bool
	AllowPlaintextBackup bool
	AutoRotatePeriod     time.Duration
	// KeySize is the HMAC key size in bytes (HMAC type only; 0: default).
	KeySize int
	// ConvergentVersion picks the convergent scheme (0: ConvergentVersion).
	ConvergentVersion int
}

// Validate checks the request as Vault does, with Vault's messages.
func (c CreateKey) Validate() error {
	if _, err := ParseKeyType(string(c.Type)); err != nil {
		return err
	}
	if err := validateAutoRotatePeriod(c.AutoRotatePeriod); err != nil {
		return err
	}
	if c.Convergent && !c.Derived {
		return invalid("convergent encryption requires derivation to be enabled")
	}
	if c.ConvergentVersion != 0 && (!c.Convergent || (c.ConvergentVersion != ConvergentVault && c.ConvergentVersion != ConvergentAAD)) {
		return invalid("convergent_version must be %d or %d, and only with convergent_encryption", ConvergentVault, ConvergentAAD)
	}
	if c.KeySize != 0 {
		if c.Type != HMAC {
			return invalid("key_size is not valid for algorithm %s", c.Type)
		}
		if c.KeySize < HMACMinKeySize || c.KeySize > HMACMaxKeySize {
			return invalid("invalid key_size %d", c.KeySize)
		}
	}
	if c.Derived && !c.Type.DerivationSupported() {
		return invalid("key derivation and convergent encryption not supported for keys of type %s", c.Type)
	}
	if c.Convergent && !c.Type.Symmetric() {
		return invalid("convergent encryption not supported for keys of type %s", c.Type)
	}
	return nil
}

func validateAutoRotatePeriod(d time.Duration) error {
	if d < 0 || (d != 0 && d < MinAutoRotatePeriod) {
		return invalid("auto rotate period must be 0 to disable or at least an hour")
	}
	return nil
}

// DecideCreate records a new key whose first version, sealed under the
// data key dataKey, is first. It fails with ErrKeyExists when the key is
// already there.
func DecideCreate(st State, c CreateKey, dataKey string, first transitevent.VersionRecord) ([]ledger.Event, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if st.Key != nil {
		return nil, ErrKeyExists
	}
	if first.Version != 1 || dataKey == "" || len(first.Material) == 0 {
		return nil, ErrStale
	}
	e := transitevent.KeyCreated{
		Mount: st.Mount, Name: st.Name, Type: string(c.Type), Derived: c.Derived,
		ConvergentEncryption: c.Convergent, DataKey: dataKey, First: first,
		Config: transitevent.Config{
			MinDecryptionVersion: 1, Exportable: c.Exportable,
			AllowPlaintextBackup: c.AllowPlaintextBackup, AutoRotatePeriod: c.AutoRotatePeriod,
		},
	}
	if c.Derived {
		e.KDF = transitevent.KDFHKDFSHA256
	}
	if c.Convergent {
		e.ConvergentVersion = ConvergentVersion
		if c.ConvergentVersion != 0 {
			e.ConvergentVersion = c.ConvergentVersion
		}
	}
	if c.Type == HMAC {
		e.KeySize = c.KeySize
		if e.KeySize == 0 {
			e.KeySize = HMACDefaultKeySize
		}
	}
	return st.sequence(newEvent(transitevent.EventKeyCreated, e)), nil
}
