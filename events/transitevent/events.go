package transitevent

import (
	"strconv"
	"time"

	"github.com/cofferhq/coffer/ledger"
)

// Event types the transit commands append. Every event belongs to aggregate
// kind AggregateKind with id AggregateID(mount, name).
const (
	EventKeyCreated       = "transit.key_created"
	EventKeyRotated       = "transit.key_rotated"
	EventKeyConfigChanged = "transit.key_config_changed"
	EventKeyTrimmed       = "transit.key_trimmed"
	EventKeyDeleted       = "transit.key_deleted"
)

// Schema is the payload layout version every transit event type is
// written with.
const Schema = 1

// AggregateKind is the aggregate kind of every transit event.
const AggregateKind = "transit"

// AggregateID names one key of one mount. A key deleted and created again
// under the same name continues the same aggregate (its versions keep
// counting), but gets a new data key.
func AggregateID(mount, name string) string { return mount + "/" + name }

// VersionRecord is one key version as events carry it: its public
// metadata and its material sealed under the key's data key.
type VersionRecord struct {
	Version     int       `json:"version"`
	CreatedTime time.Time `json:"created_time"`
	// PublicKey is the formatted public key of asymmetric keys (PEM for
	// ECDSA and RSA, base64 for Ed25519), as Vault reports it.
	PublicKey string `json:"public_key,omitzero"`
	// Material is the version's secret material sealed with
	// ledger.SealWith under the data key, bound by MaterialAAD.
	Material []byte `json:"material"`
}

// KeyCreated records a new key and its first version.
type KeyCreated struct {
	Mount string `json:"mount"`
	Name  string `json:"name"`
	// Type is the key type as Vault names it ("aes256-gcm96", ...).
	Type                 string `json:"type"`
	Derived              bool   `json:"derived,omitzero"`
	KDF                  string `json:"kdf,omitzero"`
	ConvergentEncryption bool   `json:"convergent_encryption,omitzero"`
	ConvergentVersion    int    `json:"convergent_version,omitzero"`
	KeySize              int    `json:"key_size,omitzero"`
	Config               Config `json:"config"`
	// DataKey is the id of the data key every version is sealed under.
	DataKey string        `json:"data_key"`
	First   VersionRecord `json:"first"`
}

// KeyRotated records a new latest version, sealed under the key's current
// data key. Auto marks rotations made by the auto_rotate_period timer.
type KeyRotated struct {
	Mount   string        `json:"mount"`
	Name    string        `json:"name"`
	DataKey string        `json:"data_key"`
	Next    VersionRecord `json:"next"`
	Auto    bool          `json:"auto,omitzero"`
}

// KeyConfigChanged records the key's settings after a config write.
type KeyConfigChanged struct {
	Mount  string `json:"mount"`
	Name   string `json:"name"`
	Config Config `json:"config"`
}

// KeyTrimmed records that versions below MinAvailableVersion are gone for
// good: the versions that remain are re-sealed under a new data key
// (Remaining), and RetiredDataKey, the only key that opened the trimmed
// versions, is to be destroyed.
type KeyTrimmed struct {
	Mount               string          `json:"mount"`
	Name                string          `json:"name"`
	MinAvailableVersion int             `json:"min_available_version"`
	DataKey             string          `json:"data_key"`
	RetiredDataKey      string          `json:"retired_data_key"`
	Remaining           []VersionRecord `json:"remaining"`
}

// KeyDeleted records that a key and all its versions are gone; DataKey was
// destroyed before the event was appended.
type KeyDeleted struct {
	Mount   string `json:"mount"`
	Name    string `json:"name"`
	DataKey string `json:"data_key"`
}

// MaterialAAD binds a version's sealed material to its mount, key name,
// version and data key, so a sealed blob cannot be replayed as another
// key's or another version's material.
func MaterialAAD(mount, name string, version int, dataKey string) []byte {
	return []byte("coffer-transit-key\x00" + mount + "\x00" + name + "\x00" + strconv.Itoa(version) + "\x00" + dataKey)
}

func init() {
	for typ, payload := range map[string]any{
		EventKeyCreated:       KeyCreated{},
		EventKeyRotated:       KeyRotated{},
		EventKeyConfigChanged: KeyConfigChanged{},
		EventKeyTrimmed:       KeyTrimmed{},
		EventKeyDeleted:       KeyDeleted{},
	} {
		ledger.RegisterEventType(typ, Schema, payload)
	}
}
