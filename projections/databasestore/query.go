package databasestore

import (
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

func open(b *ledger.Barrier, mount, name, slot string, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	if b == nil {
		return "", ledger.ErrSealed
	}
	pw, err := b.Open(PasswordAAD(mount, name, slot), sealed)
	if err != nil {
		return "", fmt.Errorf("%w: %s password of %q: %v", ErrCorruptRecord, slot, name, err)
	}
	return string(pw), nil
}

// GetConfig returns a configuration with its passwords opened and its
// aggregate version, or ErrNotFound. The version is read before the
// record, so a record newer than its version only causes a conflict (and a
// retry) in a command, never a decision on an old record.
func GetConfig(s *projections.Store, b *ledger.Barrier, mount, name string) (*Config, error) {
	v, err := s.AggregateVersion(databaseevent.KindConfig, databaseevent.AggregateID(mount, name))
	if err != nil {
		return nil, err
	}
	r, err := loadConfigRecord(s, mount, name)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, ErrNotFound
	}
	c := &Config{Name: r.Name, ConnectionSettings: r.Settings, Version: v}
	if c.Password, err = open(b, mount, name, slotCurrent, r.Password); err != nil {
		return nil, err
	}
	if c.PendingPassword, err = open(b, mount, name, slotPending, r.Pending); err != nil {
		return nil, err
	}
	return c, nil
}

// ConfigVersion is a configuration's aggregate version (0 when it was
// never written); cheap, for pool caches.
func ConfigVersion(s *projections.Store, mount, name string) (uint64, error) {
	return s.AggregateVersion(databaseevent.KindConfig, databaseevent.AggregateID(mount, name))
}

// ConfigExists reports whether a configuration has a record, without
// opening it.
func ConfigExists(s *projections.Store, mount, name string) (bool, error) {
	k, err := configKey(s, mount, name)
	if err != nil {
		return false, err
	}
	return exists(s, k)
}

// GetRole returns a role with its aggregate version, or ErrNotFound.
func GetRole(s *projections.Store, mount, name string) (*Role, error) {
	v, err := s.AggregateVersion(databaseevent.KindRole, databaseevent.AggregateID(mount, name))
	if err != nil {
		return nil, err
	}
	k, err := roleKey(s, mount, name)
	if err != nil {
		return nil, err
	}
	var r roleRecord
	found, err := projections.GetJSON(s, k, &r)
	if err != nil {
		return nil, fmt.Errorf("%w: role %q: %w", ErrCorruptRecord, name, err)
	}
	if !found {
		return nil, ErrNotFound
	}
	return &Role{
		Name: r.Name, DBName: r.DBName, Statements: r.Statements, Version: v,
		DefaultTTL: time.Duration(r.DefaultTTL) * time.Second, MaxTTL: time.Duration(r.MaxTTL) * time.Second,
	}, nil
}

// RoleExists reports whether a role has a record.
func RoleExists(s *projections.Store, mount, name string) (bool, error) {
	k, err := roleKey(s, mount, name)
	if err != nil {
		return false, err
	}
	return exists(s, k)
}

// ListConfigs returns the mount's configuration names in order.
func ListConfigs(s *projections.Store, mount string) ([]string, error) {
	return projections.ScanNames(s, configPrefix(mount), func(r configRecord) string { return r.Name })
}

// ListRoles returns the mount's role names in order.
func ListRoles(s *projections.Store, mount string) ([]string, error) {
	return projections.ScanNames(s, rolePrefix(mount), func(r roleRecord) string { return r.Name })
}

func exists(s *projections.Store, key []byte) (bool, error) {
	_, err := s.Get(key)
	switch {
	case errors.Is(err, projections.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
