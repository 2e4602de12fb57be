package kv

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
)

// Sealer seals a version's value under a data key of its own and returns
// the key's id with the ciphertext.
type Sealer interface {
	Seal(aad, plaintext []byte) (dataKeyID string, ciphertext []byte, err error)
}

// Write makes a new version holding Value.
type Write struct {
	Secret Secret
	// Value is the version's data: a JSON object.
	Value []byte
	// CAS is options.cas, when given.
	CAS    *int64
	Sealer Sealer
}

// Patch makes a new version by merge-patching the current one.
type Patch struct {
	Secret Secret
	// Patch is the RFC 7396 merge patch applied to the current data.
	Patch  map[string]any
	CAS    *int64
	Sealer Sealer
}

// Written describes the version a write or patch made.
type Written struct {
	Version        uint64
	Meta           kvevent.VersionMeta
	CustomMetadata map[string]string
	// Erase lists the data keys of versions pruned by max_versions.
	Erase []string
	// Warnings are for the client (an erasure that must be retried).
	Warnings []string
}

// checkCAS applies Vault's check-and-set rules: a given cas must equal the
// current version (0 for a new secret); without one, cas_required on the
// mount or the secret refuses the write.
func checkCAS(st State, cas *int64) error {
	var current uint64
	if st.Meta != nil {
		current = st.Meta.CurrentVersion
	}
	switch {
	case cas != nil && uint64(*cas) != current:
		return ErrCASMismatch
	case cas != nil:
		return nil
	case st.Config.CASRequired || (st.Meta != nil && st.Meta.CASRequired):
		return ErrCASRequired
	}
	return nil
}

// DecideWrite decides a data write.
func DecideWrite(st State, cmd Write) ([]ledger.Event, Written, error) {
	if cmd.Secret.Path == "" {
		return nil, Written{}, ErrMissingPath
	}
	if err := checkCAS(st, cmd.CAS); err != nil {
		return nil, Written{}, err
	}
	if err := requireObject(cmd.Value); err != nil {
		return nil, Written{}, err
	}
	return decideNewVersion(st, cmd.Secret, cmd.Value, false, false, cmd.Sealer)
}

// DecidePatch decides a data patch. current is the plaintext of the
// current version; the caller passes nil when that version could not be
// read (and marks it destroyed in st if its data key is gone).
func DecidePatch(st State, current []byte, cmd Patch) ([]ledger.Event, Written, error) {
	if st.Meta == nil {
		return nil, Written{}, ErrNotFound
	}
	if err := checkCAS(st, cmd.CAS); err != nil {
		return nil, Written{}, err
	}
	n := st.Meta.CurrentVersion
	vm, ok := st.versionAt(n)
	if !ok {
		return nil, Written{}, ErrNotFound
	}
	if !vm.Readable(st.Now) || current == nil {
		return nil, Written{}, &UnavailableError{Version: n, Meta: vm, CustomMetadata: st.customMetadata()}
	}
	var data any
	dec := json.NewDecoder(bytes.NewReader(current))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return nil, Written{}, fmt.Errorf("kv: decode current version: %w", err)
	}
	merged, err := json.Marshal(mergePatch(data, cmd.Patch))
	if err != nil {
		return nil, Written{}, fmt.Errorf("kv: encode patched version: %w", err)
	}
	return decideNewVersion(st, cmd.Secret, merged, true, false, cmd.Sealer)
}

func requireObject(value []byte) error {
	v := bytes.TrimLeft(value, " \t\r\n")
	if len(v) == 0 || v[0] != '{' {
		return ErrNotAnObject
	}
	return nil
}

// decideNewVersion seals value as the next version and prunes what
// max_versions no longer keeps, as Vault's KeyMetadata.AddVersion does:
// oldest_version stays 0 until the first pruning. version1 marks a KV v1
// write.
func decideNewVersion(st State, sec Secret, value []byte, patched, version1 bool, sealer Sealer) ([]ledger.Event, Written, error) {
	var current, oldest uint64
	var ownMax uint32
	if st.Meta != nil {
		current, oldest, ownMax = st.Meta.CurrentVersion, st.Meta.OldestVersion, st.Meta.MaxVersions
	}
	next := current + 1
	vm := kvevent.VersionMeta{CreatedTime: st.Now}
	if dt, ok := kvevent.DeletionTime(st.Now, st.Config, st.Meta); ok {
		vm.DeletionTime = dt
	}
	keyID, ct, err := sealer.Seal(kvevent.ValueAAD(sec.Mount, sec.Path, next), value)
	if err != nil {
		return nil, Written{}, fmt.Errorf("kv: seal version: %w", err)
	}
	vm.DataKey = keyID

	var pruned []ledger.Event
	var erase []string
	keep := uint64(kvevent.EffectiveMaxVersions(ownMax, st.Config.MaxVersions))
	if next-oldest >= keep {
		last := next - keep
		for _, v := range sortedVersions(st.Meta) {
			if v > last {
				break
			}
			old := st.Meta.Versions[v]
			pruned = append(pruned, newEvent(kvevent.EventVersionDestroyed, kvevent.VersionDestroyed{
				Mount: sec.Mount, Path: sec.Path, Version: v, DataKey: old.DataKey, Pruned: true,
			}))
			if old.DataKey != "" {
				erase = append(erase, old.DataKey)
			}
		}
		oldest = last + 1
	}
	written := newEvent(kvevent.EventVersionWritten, kvevent.VersionWritten{
		Mount: sec.Mount, Path: sec.Path, Version: next,
		CreatedTime: vm.CreatedTime, DeletionTime: vm.DeletionTime,
		DataKey: keyID, Ciphertext: ct, OldestVersion: oldest, Patched: patched, Version1: version1,
	})
	events := sec.sequence(st, append([]ledger.Event{written}, pruned...)...)
	return events, Written{Version: next, Meta: vm, CustomMetadata: st.customMetadata(), Erase: erase}, nil
}
