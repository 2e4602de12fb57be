package databasestore

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/projections"
)

// Register installs the database apply functions on the projector.
func Register(p *projections.Projector) {
	p.Handle(databaseevent.EventConfigWritten, decoded(applyConfigWritten))
	p.Handle(databaseevent.EventConfigDeleted, decoded(applyConfigDeleted))
	p.Handle(databaseevent.EventRootRotationStarted, decoded(applyRotationStarted))
	p.Handle(databaseevent.EventRootRotated, decoded(applyRootRotated))
	p.Handle(databaseevent.EventRootRotationFailed, decoded(applyRotationFailed))
	p.Handle(databaseevent.EventRoleWritten, decoded(applyRoleWritten))
	p.Handle(databaseevent.EventRoleDeleted, decoded(applyRoleDeleted))
}

// decoded adapts a typed apply function to projections.ApplyFunc.
func decoded[T any](fn func(tx *projections.Tx, e *T) error) projections.ApplyFunc {
	return projections.Decoded(ErrCorruptRecord, fn)
}

func loadConfigRecord(g getter, mount, name string) (*configRecord, error) {
	raw, err := g.Get(configKey(mount, name))
	if errors.Is(err, projections.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r configRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%w: config %q: %v", ErrCorruptRecord, name, err)
	}
	return &r, nil
}

func saveConfigRecord(tx *projections.Tx, mount string, r *configRecord) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("databasestore: marshal config: %w", err)
	}
	return tx.Set(configKey(mount, r.Name), raw)
}

func seal(tx *projections.Tx, mount, name, slot, password string) []byte {
	if password == "" {
		return nil
	}
	return tx.Barrier().Seal(PasswordAAD(mount, name, slot), []byte(password))
}

func applyConfigWritten(tx *projections.Tx, e *databaseevent.ConfigWritten) error {
	prev, err := loadConfigRecord(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	r := &configRecord{Name: e.Name, Settings: e.Settings}
	switch {
	case e.Password != nil:
		// The operator has said what the password is now; a rotation in
		// flight is void.
		r.Password = seal(tx, e.Mount, e.Name, slotCurrent, *e.Password)
	case prev != nil:
		// A rotation in flight may have changed the password already: its
		// pending password stays on the record.
		r.Password, r.Pending = prev.Password, prev.Pending
	}
	return saveConfigRecord(tx, e.Mount, r)
}

func applyConfigDeleted(tx *projections.Tx, e *databaseevent.ConfigDeleted) error {
	return tx.Delete(configKey(e.Mount, e.Name))
}

func applyRotationStarted(tx *projections.Tx, e *databaseevent.RootRotationStarted) error {
	r, err := loadConfigRecord(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	if r == nil {
		return fmt.Errorf("%w: rotation of missing config %q", ErrCorruptRecord, e.Name)
	}
	r.Pending = seal(tx, e.Mount, e.Name, slotPending, e.Password)
	return saveConfigRecord(tx, e.Mount, r)
}

func applyRootRotated(tx *projections.Tx, e *databaseevent.RootRotated) error {
	r, err := loadConfigRecord(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	if r == nil || len(r.Pending) == 0 {
		return fmt.Errorf("%w: rotation of %q completed without one pending", ErrCorruptRecord, e.Name)
	}
	// Re-seal under the current slot's AAD.
	pw, err := tx.Barrier().Open(PasswordAAD(e.Mount, e.Name, slotPending), r.Pending)
	if err != nil {
		return fmt.Errorf("%w: pending password of %q: %v", ErrCorruptRecord, e.Name, err)
	}
	r.Password = seal(tx, e.Mount, e.Name, slotCurrent, string(pw))
	r.Pending = nil
	return saveConfigRecord(tx, e.Mount, r)
}

func applyRotationFailed(tx *projections.Tx, e *databaseevent.RootRotationFailed) error {
	r, err := loadConfigRecord(tx, e.Mount, e.Name)
	if err != nil || r == nil {
		return err
	}
	r.Pending = nil
	return saveConfigRecord(tx, e.Mount, r)
}

func applyRoleWritten(tx *projections.Tx, e *databaseevent.RoleWritten) error {
	raw, err := json.Marshal(roleRecord{Name: e.Name, DBName: e.DBName, Statements: e.Statements, DefaultTTL: e.DefaultTTL, MaxTTL: e.MaxTTL})
	if err != nil {
		return fmt.Errorf("databasestore: marshal role: %w", err)
	}
	return tx.Set(roleKey(e.Mount, e.Name), raw)
}

func applyRoleDeleted(tx *projections.Tx, e *databaseevent.RoleDeleted) error {
	return tx.Delete(roleKey(e.Mount, e.Name))
}
