package kvevent

import (
	"time"

	"github.com/cofferhq/coffer/ledger"
)

// Event types the kv commands append. Every event belongs to aggregate
// kind AggregateKind; see AggregateID and ConfigAggregateID.
const (
	EventVersionWritten    = "kv.version_written"
	EventVersionsDeleted   = "kv.versions_deleted"
	EventVersionsUndeleted = "kv.versions_undeleted"
	EventVersionDestroyed  = "kv.version_destroyed"
	EventMetadataWritten   = "kv.metadata_written"
	EventMetadataDeleted   = "kv.metadata_deleted"
	EventConfigWritten     = "kv.config_written"
)

// Schema is the payload layout version every kv event type is written
// with (see the registration below).
const Schema = 1

// AggregateKind is the aggregate kind of every kv event.
const AggregateKind = "kv"

// VersionWritten records a new version of a secret (a write or a patch).
// The value is only present as Ciphertext, sealed under the version's own
// data key with ValueAAD.
type VersionWritten struct {
	Mount        string    `json:"mount"`
	Path         string    `json:"path"`
	Version      uint64    `json:"version"`
	CreatedTime  time.Time `json:"created_time"`
	DeletionTime time.Time `json:"deletion_time,omitzero"`
	DataKey      string    `json:"data_key"`
	Ciphertext   []byte    `json:"ciphertext"`
	// OldestVersion is the secret's oldest_version after the write: older
	// versions were pruned by max_versions (each also gets a
	// VersionDestroyed with Pruned set, in the same append).
	OldestVersion uint64 `json:"oldest_version"`
	// Patched marks a version made by a JSON merge patch of the previous.
	Patched bool `json:"patched,omitzero"`
	// Version1 marks a write through a KV version 1 mount (which keeps
	// only this version): subscribers see Vault's kv-v1 event names.
	Version1 bool `json:"kv_v1,omitzero"`
}

// VersionDeletion is one version's new deletion time.
type VersionDeletion struct {
	Version uint64 `json:"version"`
	// DeletionTime is zero after an undelete without delete_version_after.
	DeletionTime time.Time `json:"deletion_time,omitzero"`
}

// VersionsDeleted records soft deletes (data DELETE, delete/).
type VersionsDeleted struct {
	Mount    string            `json:"mount"`
	Path     string            `json:"path"`
	Versions []VersionDeletion `json:"versions"`
}

// VersionsUndeleted records undeletes; a version may get a new
// delete_version_after deadline.
type VersionsUndeleted struct {
	Mount    string            `json:"mount"`
	Path     string            `json:"path"`
	Versions []VersionDeletion `json:"versions"`
}

// VersionDestroyed records that a version's data key is to be erased: its
// value is gone for good. Pruned versions (max_versions) disappear from the
// metadata entirely; destroyed ones stay listed with destroyed=true.
type VersionDestroyed struct {
	Mount   string `json:"mount"`
	Path    string `json:"path"`
	Version uint64 `json:"version"`
	DataKey string `json:"data_key,omitzero"`
	Pruned  bool   `json:"pruned,omitzero"`
}

// MetadataWritten records the secret's settings after a metadata write or
// patch. At becomes created_time/updated_time when the secret is new.
type MetadataWritten struct {
	Mount              string            `json:"mount"`
	Path               string            `json:"path"`
	At                 time.Time         `json:"at"`
	MaxVersions        uint32            `json:"max_versions"`
	CASRequired        bool              `json:"cas_required"`
	DeleteVersionAfter time.Duration     `json:"delete_version_after"`
	CustomMetadata     map[string]string `json:"custom_metadata,omitempty"`
}

// MetadataDeleted records that a secret and all its versions are gone;
// DataKeys lists every data key that is to be erased.
type MetadataDeleted struct {
	Mount    string   `json:"mount"`
	Path     string   `json:"path"`
	DataKeys []string `json:"data_keys,omitempty"`
	// Version1 marks a delete through a KV version 1 mount.
	Version1 bool `json:"kv_v1,omitzero"`
}

// ConfigWritten records the mount's engine configuration.
type ConfigWritten struct {
	Mount  string `json:"mount"`
	Config Config `json:"config"`
}

func init() {
	for typ, payload := range map[string]any{
		EventVersionWritten:    VersionWritten{},
		EventVersionsDeleted:   VersionsDeleted{},
		EventVersionsUndeleted: VersionsUndeleted{},
		EventVersionDestroyed:  VersionDestroyed{},
		EventMetadataWritten:   MetadataWritten{},
		EventMetadataDeleted:   MetadataDeleted{},
		EventConfigWritten:     ConfigWritten{},
	} {
		ledger.RegisterEventType(typ, Schema, payload)
	}
}
