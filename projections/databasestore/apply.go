package databasestore

import (
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

func loadConfigRecord(g projections.SealedReader, mount, name string) (*configRecord, error) {
	k, err := configKey(g, mount, name)
	if err != nil {
		return nil, err
	}
	var r configRecord
	found, err := projections.GetJSON(g, k, &r)
	if err != nil {
		return nil, fmt.Errorf("%w: config %q: %w", ErrCorruptRecord, name, err)
	}
	if !found {
		return nil, nil
	}
	return &r, nil
}

func saveConfigRecord(tx *projections.Tx, mount string, r *configRecord) error {
	k, err := configKey(tx, mount, r.Name)
	if err != nil {
		return err
	}
	return projections.PutJSON(tx, k, r)
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
	k, err := configKey(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	return tx.Delete(k)
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
	k, err := roleKey(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	return projections.PutJSON(tx, k, roleRecord{Name: e.Name, DBName: e.DBName, Statements: e.Statements, DefaultTTL: e.DefaultTTL, MaxTTL: e.MaxTTL})
}

func applyRoleDeleted(tx *projections.Tx, e *databaseevent.RoleDeleted) error {
	k, err := roleKey(tx, e.Mount, e.Name)
	if err != nil {
		return err
	}
	return tx.Delete(k)
}
