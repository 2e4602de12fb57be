package kv

import (
	"maps"
	"time"

	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
)

// WarnCASRequiredIgnored is Vault's warning when a secret's cas_required is
// set to false on a mount that requires cas.
const WarnCASRequiredIgnored = `"cas_required" set to false, but is mandated by backend config. This value will be ignored.`

// MetadataWrite sets a secret's settings (metadata POST); nil fields keep
// their value.
type MetadataWrite struct {
	MaxVersions        *uint32
	CASRequired        *bool
	DeleteVersionAfter *time.Duration
	// CustomMetadata replaces the secret's custom_metadata when
	// SetCustomMetadata is true.
	CustomMetadata    map[string]string
	SetCustomMetadata bool
}

func (c MetadataWrite) empty() bool {
	return c.MaxVersions == nil && c.CASRequired == nil && c.DeleteVersionAfter == nil && !c.SetCustomMetadata
}

// MetadataPatch merge-patches a secret's settings (metadata PATCH).
type MetadataPatch struct {
	MaxVersions        *uint32
	CASRequired        *bool
	DeleteVersionAfter *time.Duration
	// CustomMetadata patches custom_metadata key by key: a nil value
	// removes the key. ClearCustomMetadata (custom_metadata: null) removes
	// them all first.
	CustomMetadata      map[string]*string
	ClearCustomMetadata bool
}

func (c MetadataPatch) empty() bool {
	return c.MaxVersions == nil && c.CASRequired == nil && c.DeleteVersionAfter == nil && c.CustomMetadata == nil && !c.ClearCustomMetadata
}

// settings is the writable part of a secret's metadata.
type settings struct {
	maxVersions uint32
	casRequired bool
	dva         time.Duration
	custom      map[string]string
}

func currentSettings(m *kvevent.Metadata) settings {
	if m == nil {
		return settings{}
	}
	return settings{m.MaxVersions, m.CASRequired, m.DeleteVersionAfter, maps.Clone(m.CustomMetadata)}
}

func casWarning(st State, casRequired *bool) []string {
	if casRequired != nil && !*casRequired && st.Config.CASRequired {
		return []string{WarnCASRequiredIgnored}
	}
	return nil
}

func (s settings) event(st State, sec Secret) []ledger.Event {
	if len(s.custom) == 0 {
		s.custom = nil
	}
	return sec.sequence(st, newEvent(kvevent.EventMetadataWritten, kvevent.MetadataWritten{
		Mount: sec.Mount, Path: sec.Path, At: st.Now,
		MaxVersions: s.maxVersions, CASRequired: s.casRequired, DeleteVersionAfter: s.dva, CustomMetadata: s.custom,
	}))
}

// DecideMetadataWrite decides a metadata write. Like Vault, a write with no
// settings at all is a no-op even for a secret that does not exist; any
// setting creates the secret's metadata if needed.
func DecideMetadataWrite(st State, sec Secret, cmd MetadataWrite) ([]ledger.Event, []string, error) {
	if sec.Path == "" {
		return nil, nil, ErrMissingPath
	}
	if cmd.empty() {
		return nil, nil, nil
	}
	if cmd.SetCustomMetadata {
		if err := ValidateCustomMetadata(cmd.CustomMetadata); err != nil {
			return nil, nil, err
		}
	}
	s := currentSettings(st.Meta)
	if cmd.MaxVersions != nil {
		s.maxVersions = *cmd.MaxVersions
	}
	if cmd.CASRequired != nil {
		s.casRequired = *cmd.CASRequired
	}
	if cmd.DeleteVersionAfter != nil {
		s.dva = *cmd.DeleteVersionAfter
	}
	if cmd.SetCustomMetadata {
		s.custom = maps.Clone(cmd.CustomMetadata)
	}
	return s.event(st, sec), casWarning(st, cmd.CASRequired), nil
}

// DecideMetadataPatch decides a metadata patch; the secret must exist.
func DecideMetadataPatch(st State, sec Secret, cmd MetadataPatch) ([]ledger.Event, []string, error) {
	if sec.Path == "" {
		return nil, nil, ErrMissingPath
	}
	present := map[string]string{}
	for k, v := range cmd.CustomMetadata {
		if v != nil {
			present[k] = *v
		}
	}
	if err := ValidateCustomMetadata(present); err != nil {
		return nil, nil, err
	}
	if st.Meta == nil {
		return nil, nil, ErrNotFound
	}
	warnings := casWarning(st, cmd.CASRequired)
	if cmd.empty() {
		return nil, warnings, nil
	}
	s := currentSettings(st.Meta)
	if cmd.MaxVersions != nil {
		s.maxVersions = *cmd.MaxVersions
	}
	if cmd.CASRequired != nil {
		s.casRequired = *cmd.CASRequired
	}
	if cmd.DeleteVersionAfter != nil {
		s.dva = *cmd.DeleteVersionAfter
	}
	if cmd.ClearCustomMetadata {
		s.custom = nil
	}
	for k, v := range cmd.CustomMetadata {
		if v == nil {
			delete(s.custom, k)
			continue
		}
		if s.custom == nil {
			s.custom = map[string]string{}
		}
		s.custom[k] = *v
	}
	return s.event(st, sec), warnings, nil
}

// DecideMetadataDelete removes a secret with all its versions. It returns
// every data key of the secret, to erase once the event is stored.
func DecideMetadataDelete(st State, sec Secret) ([]ledger.Event, []string) {
	return metadataDelete(st, sec, false)
}

func metadataDelete(st State, sec Secret, version1 bool) ([]ledger.Event, []string) {
	if st.Meta == nil {
		return nil, nil
	}
	var keys []string
	for _, v := range sortedVersions(st.Meta) {
		if k := st.Meta.Versions[v].DataKey; k != "" {
			keys = append(keys, k)
		}
	}
	return sec.sequence(st, newEvent(kvevent.EventMetadataDeleted, kvevent.MetadataDeleted{
		Mount: sec.Mount, Path: sec.Path, DataKeys: keys, Version1: version1,
	})), keys
}
