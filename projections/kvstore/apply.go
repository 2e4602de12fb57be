package kvstore

import (
	"errors"

	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Register installs the kv apply functions on the projector.
func Register(p *projections.Projector) {
	p.Handle(kvevent.EventVersionWritten, decoded(applyVersionWritten))
	p.Handle(kvevent.EventVersionsDeleted, decoded(applyVersionsDeleted))
	p.Handle(kvevent.EventVersionsUndeleted, decoded(applyVersionsUndeleted))
	p.Handle(kvevent.EventVersionDestroyed, decoded(applyVersionDestroyed))
	p.Handle(kvevent.EventMetadataWritten, decoded(applyMetadataWritten))
	p.Handle(kvevent.EventMetadataDeleted, decoded(applyMetadataDeleted))
	p.Handle(kvevent.EventConfigWritten, decoded(applyConfigWritten))
}

// decoded adapts a typed apply function to projections.ApplyFunc.
func decoded[T any](fn func(tx *projections.Tx, e *T) error) projections.ApplyFunc {
	return projections.Decoded(ErrCorruptRecord, fn)
}

// secretTx is one secret's records inside an apply transaction.
type secretTx struct {
	tx    *projections.Tx
	mount string
	hash  []byte
	key   []byte
}

func openSecret(tx *projections.Tx, mount, path string) (*secretTx, *kvevent.Metadata, error) {
	b := tx.Barrier()
	if b == nil {
		return nil, nil, ledger.ErrSealed
	}
	hash := kvevent.PathHash(b, mount, path)
	s := &secretTx{tx: tx, mount: mount, hash: hash, key: metadataKey(mount, hash)}
	m, err := loadMetadataOpened(tx, b, s.key)
	return s, m, err
}

// loadMetadataOpened is loadMetadata through the opened-record cache: an
// overwrite's apply finds the metadata its previous write saved (save puts
// it there), and the read path finds what the apply saved, so neither
// opens and decodes the JSON again (8% of the server's CPU under
// kv-write, issue 16).
func loadMetadataOpened(g getter, b *ledger.Barrier, key []byte) (*kvevent.Metadata, error) {
	sealed, err := g.Get(key)
	if errors.Is(err, projections.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if m, ok := opened.Get(b, key, sealed, (*kvevent.Metadata).Clone); ok {
		return m, nil
	}
	return openMetadata(b, key, sealed)
}

// save writes the metadata, and the sealed path name when the secret is
// new (LIST reads names without opening every metadata record).
func (s *secretTx) save(m *kvevent.Metadata, isNew bool) error {
	b := s.tx.Barrier()
	sealed, err := sealMetadata(b, s.key, m)
	if err != nil {
		return err
	}
	if err := s.tx.Set(s.key, sealed); err != nil {
		return err
	}
	// Used only while these bytes are the stored ones: harmless if the
	// batch is never committed.
	opened.Put(b, s.key, sealed, m.Clone())
	if isNew {
		nk := nameKey(s.mount, s.hash)
		return s.tx.Set(nk, b.Seal(nk, []byte(m.Path)))
	}
	return nil
}

func (s *secretTx) dropVersion(m *kvevent.Metadata, v uint64) error {
	delete(m.Versions, v)
	return s.tx.Delete(versionKey(s.mount, s.hash, v))
}

func applyVersionWritten(tx *projections.Tx, e *kvevent.VersionWritten) error {
	s, m, err := openSecret(tx, e.Mount, e.Path)
	if err != nil {
		return err
	}
	isNew := m == nil
	if isNew {
		m = &kvevent.Metadata{Path: e.Path, CreatedTime: e.CreatedTime, Versions: map[uint64]kvevent.VersionMeta{}}
	}
	rec, err := encodeVersionRecord(e.DataKey, e.Ciphertext)
	if err != nil {
		return err
	}
	if err := tx.Set(versionKey(e.Mount, s.hash, e.Version), rec); err != nil {
		return err
	}
	m.Versions[e.Version] = kvevent.VersionMeta{CreatedTime: e.CreatedTime, DeletionTime: e.DeletionTime, DataKey: e.DataKey}
	m.CurrentVersion = e.Version
	m.UpdatedTime = e.CreatedTime
	if m.CreatedTime.IsZero() {
		m.CreatedTime = e.CreatedTime
	}
	m.OldestVersion = e.OldestVersion
	for v := range m.Versions {
		if v < e.OldestVersion {
			if err := s.dropVersion(m, v); err != nil {
				return err
			}
		}
	}
	return s.save(m, isNew)
}

func applyDeletionTimes(tx *projections.Tx, mount, path string, versions []kvevent.VersionDeletion) error {
	s, m, err := openSecret(tx, mount, path)
	if err != nil || m == nil {
		return err
	}
	for _, d := range versions {
		vm, ok := m.Versions[d.Version]
		if !ok {
			continue
		}
		vm.DeletionTime = d.DeletionTime
		m.Versions[d.Version] = vm
	}
	return s.save(m, false)
}

func applyVersionsDeleted(tx *projections.Tx, e *kvevent.VersionsDeleted) error {
	return applyDeletionTimes(tx, e.Mount, e.Path, e.Versions)
}

func applyVersionsUndeleted(tx *projections.Tx, e *kvevent.VersionsUndeleted) error {
	return applyDeletionTimes(tx, e.Mount, e.Path, e.Versions)
}

func applyVersionDestroyed(tx *projections.Tx, e *kvevent.VersionDestroyed) error {
	if e.Pruned {
		return applyVersionPruned(tx, e)
	}
	s, m, err := openSecret(tx, e.Mount, e.Path)
	if err != nil {
		return err
	}
	// The ciphertext goes in any case: it is useless without its key.
	if err := tx.Delete(versionKey(e.Mount, s.hash, e.Version)); err != nil {
		return err
	}
	if err := markPending(tx, e.DataKey); err != nil {
		return err
	}
	if m == nil {
		return nil
	}
	if vm, ok := m.Versions[e.Version]; ok {
		vm.Destroyed = true
		m.Versions[e.Version] = vm
	}
	return s.save(m, false)
}

// applyVersionPruned drops a version pruned by max_versions. A pruned
// version is destroyed by the write that made the next one, and that
// write's VersionWritten (same message) carries the new oldest version:
// applying it already dropped this version from the metadata and its value
// record. So the metadata is neither opened nor sealed again here (that
// was a third of an overwrite's apply); the value record is deleted in
// any case and the key listed for erasure.
func applyVersionPruned(tx *projections.Tx, e *kvevent.VersionDestroyed) error {
	b := tx.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	hash := kvevent.PathHash(b, e.Mount, e.Path)
	if err := tx.Delete(versionKey(e.Mount, hash, e.Version)); err != nil {
		return err
	}
	return markPending(tx, e.DataKey)
}

func applyMetadataWritten(tx *projections.Tx, e *kvevent.MetadataWritten) error {
	s, m, err := openSecret(tx, e.Mount, e.Path)
	if err != nil {
		return err
	}
	isNew := m == nil
	if isNew {
		m = &kvevent.Metadata{Path: e.Path, CreatedTime: e.At, UpdatedTime: e.At, Versions: map[uint64]kvevent.VersionMeta{}}
	}
	m.MaxVersions = e.MaxVersions
	m.CASRequired = e.CASRequired
	m.DeleteVersionAfter = e.DeleteVersionAfter
	m.CustomMetadata = e.CustomMetadata
	return s.save(m, isNew)
}

func applyMetadataDeleted(tx *projections.Tx, e *kvevent.MetadataDeleted) error {
	b := tx.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	hash := kvevent.PathHash(b, e.Mount, e.Path)
	if err := tx.Delete(metadataKey(e.Mount, hash)); err != nil {
		return err
	}
	if err := tx.Delete(nameKey(e.Mount, hash)); err != nil {
		return err
	}
	return tx.DeletePrefix(versionPrefix(e.Mount, hash))
}

func applyConfigWritten(tx *projections.Tx, e *kvevent.ConfigWritten) error {
	return projections.PutJSON(tx, configKey(e.Mount), e.Config)
}
