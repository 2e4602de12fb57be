package transitevent

import (
	"maps"
	"sort"
	"time"
)

// KDFHKDFSHA256 is the key derivation function of derived keys made here,
// the one Vault uses for keys created since 0.8.
const KDFHKDFSHA256 = "hkdf_sha256"

// Config is the part of a key's settings the config endpoint changes.
type Config struct {
	MinDecryptionVersion int           `json:"min_decryption_version"`
	MinEncryptionVersion int           `json:"min_encryption_version"`
	DeletionAllowed      bool          `json:"deletion_allowed,omitzero"`
	Exportable           bool          `json:"exportable,omitzero"`
	AllowPlaintextBackup bool          `json:"allow_plaintext_backup,omitzero"`
	AutoRotatePeriod     time.Duration `json:"auto_rotate_period,omitzero"`
}

// VersionInfo is the public metadata of one key version.
type VersionInfo struct {
	CreatedTime time.Time `json:"created_time"`
	PublicKey   string    `json:"public_key,omitzero"`
}

// Key is one named key's record: everything about it except the material.
type Key struct {
	Name                 string `json:"name"`
	Type                 string `json:"type"`
	Derived              bool   `json:"derived,omitzero"`
	KDF                  string `json:"kdf,omitzero"`
	ConvergentEncryption bool   `json:"convergent_encryption,omitzero"`
	ConvergentVersion    int    `json:"convergent_version,omitzero"`
	KeySize              int    `json:"key_size,omitzero"`
	Config
	// MinAvailableVersion is 0 until the key is trimmed; versions below it
	// are erased.
	MinAvailableVersion int `json:"min_available_version,omitzero"`
	LatestVersion       int `json:"latest_version"`
	// DataKey is the id of the data key the versions are sealed under.
	DataKey  string              `json:"data_key"`
	Versions map[int]VersionInfo `json:"versions"`
}

// Clone returns a deep copy, so a decision can change it freely.
func (k *Key) Clone() *Key {
	if k == nil {
		return nil
	}
	c := *k
	c.Versions = maps.Clone(k.Versions)
	return &c
}

// VersionNumbers returns the versions the key holds material for, in
// ascending order.
func (k *Key) VersionNumbers() []int {
	out := make([]int, 0, len(k.Versions))
	for v := range k.Versions {
		out = append(out, v)
	}
	sort.Ints(out)
	return out
}

// LatestCreated is when the latest version was made: the clock of
// auto-rotation.
func (k *Key) LatestCreated() time.Time { return k.Versions[k.LatestVersion].CreatedTime }
