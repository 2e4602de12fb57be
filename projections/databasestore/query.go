package databasestore

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/events/databaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// getter is what both the store and an apply transaction can read from.
type getter interface {
	Get(key []byte) ([]byte, error)
}

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
	return exists(s, configKey(mount, name))
}

// GetRole returns a role with its aggregate version, or ErrNotFound.
func GetRole(s *projections.Store, mount, name string) (*Role, error) {
	v, err := s.AggregateVersion(databaseevent.KindRole, databaseevent.AggregateID(mount, name))
	if err != nil {
		return nil, err
	}
	raw, err := s.Get(roleKey(mount, name))
	if errors.Is(err, projections.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var r roleRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%w: role %q: %v", ErrCorruptRecord, name, err)
	}
	return &Role{
		Name: r.Name, DBName: r.DBName, Statements: r.Statements, Version: v,
		DefaultTTL: time.Duration(r.DefaultTTL) * time.Second, MaxTTL: time.Duration(r.MaxTTL) * time.Second,
	}, nil
}

// RoleExists reports whether a role has a record.
func RoleExists(s *projections.Store, mount, name string) (bool, error) {
	return exists(s, roleKey(mount, name))
}

// ListConfigs returns the mount's configuration names in order.
func ListConfigs(s *projections.Store, mount string) ([]string, error) {
	return names(s, configPrefix(mount))
}

// ListRoles returns the mount's role names in order.
func ListRoles(s *projections.Store, mount string) ([]string, error) {
	return names(s, rolePrefix(mount))
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

func names(s *projections.Store, prefix []byte) ([]string, error) {
	var out []string
	err := s.Scan(prefix, func(k, _ []byte) bool {
		out = append(out, string(k[len(prefix):]))
		return true
	})
	return out, err
}
