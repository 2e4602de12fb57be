package kvevent

import (
	"maps"
	"time"
)

// DefaultMaxVersions is how many versions a secret keeps when neither the
// mount config nor the secret's metadata says otherwise (Vault's default).
const DefaultMaxVersions = 10

// DeleteVersionAfterDisabled in the mount config turns delete_version_after
// off for every secret of the mount, as a negative duration does in Vault.
const DeleteVersionAfterDisabled = -time.Second

// Config is a mount's engine configuration (the config endpoint).
type Config struct {
	// MaxVersions 0 means DefaultMaxVersions.
	MaxVersions uint32 `json:"max_versions,omitzero"`
	CASRequired bool   `json:"cas_required,omitzero"`
	// DeleteVersionAfter 0 means unset; DeleteVersionAfterDisabled means
	// disabled for every secret.
	DeleteVersionAfter time.Duration `json:"delete_version_after,omitzero"`
}

// VersionMeta is what the metadata says about one version.
type VersionMeta struct {
	CreatedTime time.Time `json:"created"`
	// DeletionTime is zero when the version is not (scheduled to be)
	// deleted; a time in the future is a delete_version_after deadline.
	DeletionTime time.Time `json:"deleted,omitzero"`
	Destroyed    bool      `json:"destroyed,omitzero"`
	// DataKey is the id of the data key the version's value is sealed
	// under; kept after destroy so a failed erasure can be repaired.
	DataKey string `json:"key,omitzero"`
}

// Deleted reports whether the version reads as deleted at now.
func (v *VersionMeta) Deleted(now time.Time) bool {
	return !v.DeletionTime.IsZero() && v.DeletionTime.Before(now)
}

// Readable reports whether the version's value may be returned at now.
func (v *VersionMeta) Readable(now time.Time) bool {
	return !v.Destroyed && !v.Deleted(now)
}

// Metadata is one secret's metadata record.
type Metadata struct {
	Path           string    `json:"path"`
	CurrentVersion uint64    `json:"current,omitzero"`
	OldestVersion  uint64    `json:"oldest,omitzero"`
	CreatedTime    time.Time `json:"created"`
	UpdatedTime    time.Time `json:"updated"`
	// MaxVersions 0 means the mount's setting.
	MaxVersions uint32 `json:"max_versions,omitzero"`
	CASRequired bool   `json:"cas_required,omitzero"`
	// DeleteVersionAfter 0 means the mount's setting.
	DeleteVersionAfter time.Duration          `json:"delete_version_after,omitzero"`
	CustomMetadata     map[string]string      `json:"custom_metadata,omitempty"`
	Versions           map[uint64]VersionMeta `json:"versions,omitempty"`
}

// Clone returns a deep copy, so a decision can change it freely.
func (m *Metadata) Clone() *Metadata {
	if m == nil {
		return nil
	}
	c := *m
	c.CustomMetadata = maps.Clone(m.CustomMetadata)
	c.Versions = maps.Clone(m.Versions)
	return &c
}

// EffectiveMaxVersions is how many versions the secret keeps: the larger
// of its own and the mount's setting, else the default (as Vault computes
// it).
func EffectiveMaxVersions(meta, mount uint32) uint32 {
	if n := max(meta, mount); n > 0 {
		return n
	}
	return DefaultMaxVersions
}

// DeletionTime is when a version created at created is deleted by
// delete_version_after: the smaller non-zero of the mount's and the
// secret's setting. ok is false when neither applies.
func DeletionTime(created time.Time, cfg Config, meta *Metadata) (time.Time, bool) {
	if cfg.DeleteVersionAfter == DeleteVersionAfterDisabled {
		return time.Time{}, false
	}
	mount := max(cfg.DeleteVersionAfter, 0)
	var own time.Duration
	if meta != nil {
		own = meta.DeleteVersionAfter
	}
	switch {
	case mount == 0 && own == 0:
		return time.Time{}, false
	case own == 0 || (mount != 0 && mount < own):
		return created.Add(mount), true
	default:
		return created.Add(own), true
	}
}
