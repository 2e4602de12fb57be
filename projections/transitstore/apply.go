package transitstore

import (
	"fmt"

	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/projections"
)

// Register installs the transit apply functions on the projector.
func Register(p *projections.Projector) {
	p.Handle(transitevent.EventKeyCreated, decoded(applyKeyCreated))
	p.Handle(transitevent.EventKeyRotated, decoded(applyKeyRotated))
	p.Handle(transitevent.EventKeyConfigChanged, decoded(applyKeyConfigChanged))
	p.Handle(transitevent.EventKeyTrimmed, decoded(applyKeyTrimmed))
	p.Handle(transitevent.EventKeyDeleted, decoded(applyKeyDeleted))
}

// decoded adapts a typed apply function to projections.ApplyFunc.
func decoded[T any](fn func(tx *projections.Tx, e *T) error) projections.ApplyFunc {
	return projections.Decoded(ErrCorruptRecord, fn)
}

func saveKey(tx *projections.Tx, mount string, k *transitevent.Key) error {
	n, err := keysOf(tx, mount, k.Name)
	if err != nil {
		return err
	}
	return projections.PutJSON(tx, n.key, k)
}

func saveVersion(tx *projections.Tx, mount, name string, v transitevent.VersionRecord) error {
	if len(v.Material) == 0 {
		return fmt.Errorf("%w: version %d of %q has no material", ErrCorruptRecord, v.Version, name)
	}
	n, err := keysOf(tx, mount, name)
	if err != nil {
		return err
	}
	return tx.Set(n.version(v.Version), v.Material)
}

func applyKeyCreated(tx *projections.Tx, e *transitevent.KeyCreated) error {
	// A key created under the name of a deleted one starts from nothing.
	n, err := keysOf(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	if err := tx.DeletePrefix(n.versions); err != nil {
		return err
	}
	cfg := e.Config
	if cfg.MinDecryptionVersion < 1 {
		cfg.MinDecryptionVersion = 1
	}
	k := &transitevent.Key{
		Name: e.Name, Type: e.Type, Derived: e.Derived, KDF: e.KDF,
		ConvergentEncryption: e.ConvergentEncryption, ConvergentVersion: e.ConvergentVersion,
		KeySize: e.KeySize, Config: cfg, LatestVersion: e.First.Version, DataKey: e.DataKey,
		Versions: map[int]transitevent.VersionInfo{e.First.Version: {CreatedTime: e.First.CreatedTime, PublicKey: e.First.PublicKey}},
	}
	if err := saveVersion(tx, e.Mount, e.Name, e.First); err != nil {
		return err
	}
	return saveKey(tx, e.Mount, k)
}

func applyKeyRotated(tx *projections.Tx, e *transitevent.KeyRotated) error {
	k, err := loadKey(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	if k == nil {
		return fmt.Errorf("%w: rotation of missing key %q", ErrCorruptRecord, e.Name)
	}
	k.LatestVersion = e.Next.Version
	k.Versions[e.Next.Version] = transitevent.VersionInfo{CreatedTime: e.Next.CreatedTime, PublicKey: e.Next.PublicKey}
	if err := saveVersion(tx, e.Mount, e.Name, e.Next); err != nil {
		return err
	}
	return saveKey(tx, e.Mount, k)
}

func applyKeyConfigChanged(tx *projections.Tx, e *transitevent.KeyConfigChanged) error {
	k, err := loadKey(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	if k == nil {
		return fmt.Errorf("%w: config of missing key %q", ErrCorruptRecord, e.Name)
	}
	k.Config = e.Config
	return saveKey(tx, e.Mount, k)
}

func applyKeyTrimmed(tx *projections.Tx, e *transitevent.KeyTrimmed) error {
	k, err := loadKey(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	if k == nil {
		return fmt.Errorf("%w: trim of missing key %q", ErrCorruptRecord, e.Name)
	}
	n, err := keysOf(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	for v := range k.Versions {
		if v < e.MinAvailableVersion {
			delete(k.Versions, v)
			if err := tx.Delete(n.version(v)); err != nil {
				return err
			}
		}
	}
	// The remaining versions are overwritten with their copies sealed
	// under the new data key.
	for _, v := range e.Remaining {
		if err := saveVersion(tx, e.Mount, e.Name, v); err != nil {
			return err
		}
	}
	k.MinAvailableVersion = e.MinAvailableVersion
	k.DataKey = e.DataKey
	return saveKey(tx, e.Mount, k)
}

func applyKeyDeleted(tx *projections.Tx, e *transitevent.KeyDeleted) error {
	n, err := keysOf(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	if err := tx.Delete(n.key); err != nil {
		return err
	}
	return tx.DeletePrefix(n.versions)
}
