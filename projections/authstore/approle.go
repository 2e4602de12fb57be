package authstore

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/events/approleevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// AppRolePrefix is the AppRole read model's pebble prefix.
const AppRolePrefix = "approle/"

func approleMount(mount string) string { return AppRolePrefix + mount + "\x00" }

func approleRoleKey(mount, name string) []byte  { return key(approleMount(mount), "r", name) }
func approleRolesPrefix(mount string) []byte    { return key(approleMount(mount), "r") }
func approleIndexKey(mount, hash string) []byte { return key(approleMount(mount), "i", hash) }
func approleSecretPrefix(mount, role string) []byte {
	return key(approleMount(mount), "s", role, "\x00")
}
func approleAccessorPrefix(mount, role string) []byte {
	return key(approleMount(mount), "a", role, "\x00")
}

// roleIDHash names a role ID in the index without revealing it.
func roleIDHash(b *ledger.Barrier, mount, roleID string) string {
	return hex.EncodeToString(b.HMAC("approle-role-id", mount+"\x00"+roleID))
}

// RegisterAppRole installs the AppRole apply functions.
func RegisterAppRole(p *projections.Projector) {
	p.Handle(approleevent.EventRoleWritten, decoded(applyAppRoleWritten))
	p.Handle(approleevent.EventRoleDeleted, decoded(applyAppRoleDeleted))
	p.Handle(approleevent.EventSecretIDIssued, decoded(applySecretID[approleevent.SecretIDIssued]))
	p.Handle(approleevent.EventSecretIDUsed, decoded(applySecretID[approleevent.SecretIDUsed]))
	p.Handle(approleevent.EventSecretIDDestroyed, decoded(applySecretID[approleevent.SecretIDDestroyed]))
}

func applyAppRoleWritten(tx *projections.Tx, e *approleevent.RoleWritten) error {
	var prev approleevent.Role
	found, err := getSealed(tx, tx.Barrier(), approleRoleKey(e.Mount, e.Role.Name), &prev)
	if err != nil {
		return err
	}
	if found && prev.RoleID != e.Role.RoleID {
		if err := tx.Delete(approleIndexKey(e.Mount, roleIDHash(tx.Barrier(), e.Mount, prev.RoleID))); err != nil {
			return err
		}
	}
	if err := tx.Set(approleIndexKey(e.Mount, roleIDHash(tx.Barrier(), e.Mount, e.Role.RoleID)), []byte(e.Role.Name)); err != nil {
		return err
	}
	return putSealed(tx, approleRoleKey(e.Mount, e.Role.Name), e.Role)
}

func applyAppRoleDeleted(tx *projections.Tx, e *approleevent.RoleDeleted) error {
	var prev approleevent.Role
	found, err := getSealed(tx, tx.Barrier(), approleRoleKey(e.Mount, e.Name), &prev)
	if err != nil || !found {
		return err
	}
	if err := tx.Delete(approleIndexKey(e.Mount, roleIDHash(tx.Barrier(), e.Mount, prev.RoleID))); err != nil {
		return err
	}
	// The role's secret IDs go with it, as Vault deletes them.
	if err := tx.DeletePrefix(approleSecretPrefix(e.Mount, e.Name)); err != nil {
		return err
	}
	if err := tx.DeletePrefix(approleAccessorPrefix(e.Mount, e.Name)); err != nil {
		return err
	}
	return tx.Delete(approleRoleKey(e.Mount, e.Name))
}

// secretIDEvent is what every secret ID payload says about its target.
type secretIDEvent interface {
	approleevent.SecretIDIssued | approleevent.SecretIDUsed | approleevent.SecretIDDestroyed
}

func target(e approleevent.Event) (mount, role, hash string) {
	switch e := e.(type) {
	case approleevent.SecretIDIssued:
		return e.Mount, e.Role, e.SecretID.HMAC
	case approleevent.SecretIDUsed:
		return e.Mount, e.Role, e.HMAC
	case approleevent.SecretIDDestroyed:
		return e.Mount, e.Role, e.HMAC
	}
	return "", "", ""
}

// applySecretID folds one secret ID event into its record, with the
// schema's fold.
func applySecretID[T secretIDEvent](tx *projections.Tx, e *T) error {
	ev := any(*e).(approleevent.Event)
	mount, role, hash := target(ev)
	k := key(string(approleSecretPrefix(mount, role)), hash)
	var cur *approleevent.SecretID
	var st approleevent.SecretID
	found, err := getSealed(tx, tx.Barrier(), k, &st)
	if err != nil {
		return err
	}
	if found {
		cur = &st
	}
	next := approleevent.Apply(cur, ev)
	if next == nil {
		if cur != nil {
			if err := tx.Delete(key(string(approleAccessorPrefix(mount, role)), cur.Accessor)); err != nil {
				return err
			}
		}
		return tx.Delete(k)
	}
	if err := tx.Set(key(string(approleAccessorPrefix(mount, role)), next.Accessor), []byte(hash)); err != nil {
		return err
	}
	return putSealed(tx, k, next)
}

// GetAppRole returns a role and its aggregate version (read first, so a
// newer record only costs a conflict), or ErrNotFound with the version.
func GetAppRole(s *projections.Store, b *ledger.Barrier, mount, name string) (*approleevent.Role, uint64, error) {
	v, err := s.AggregateVersion(approleevent.KindRole, approleevent.RoleAggregate(mount, name))
	if err != nil {
		return nil, 0, err
	}
	var r approleevent.Role
	found, err := getSealed(s, b, approleRoleKey(mount, name), &r)
	if err != nil {
		return nil, v, fmt.Errorf("role %q: %w", name, err)
	}
	if !found {
		return nil, v, ErrNotFound
	}
	return &r, v, nil
}

// AppRoleByRoleID returns the name of the role with roleID, or
// ErrNotFound.
func AppRoleByRoleID(s *projections.Store, b *ledger.Barrier, mount, roleID string) (string, error) {
	if b == nil {
		return "", ledger.ErrSealed
	}
	raw, err := s.Get(approleIndexKey(mount, roleIDHash(b, mount, roleID)))
	if errors.Is(err, projections.ErrNotFound) {
		return "", ErrNotFound
	}
	return string(raw), err
}

// ListAppRoles returns the mount's role names in order.
func ListAppRoles(s *projections.Store, mount string) ([]string, error) {
	return names(s, approleRolesPrefix(mount))
}

// GetSecretID returns a secret ID's state by its HMAC and its aggregate
// version, or ErrNotFound with the version.
func GetSecretID(s *projections.Store, b *ledger.Barrier, mount, role, hash string) (*approleevent.SecretID, uint64, error) {
	v, err := s.AggregateVersion(approleevent.KindSecretID, approleevent.SecretIDAggregate(mount, role, hash))
	if err != nil {
		return nil, 0, err
	}
	var st approleevent.SecretID
	found, err := getSealed(s, b, key(string(approleSecretPrefix(mount, role)), hash), &st)
	if err != nil {
		return nil, v, err
	}
	if !found {
		return nil, v, ErrNotFound
	}
	return &st, v, nil
}

// SecretIDHashByAccessor returns the HMAC of the role's secret ID named by
// accessor, or ErrNotFound.
func SecretIDHashByAccessor(s *projections.Store, mount, role, accessor string) (string, error) {
	raw, err := s.Get(key(string(approleAccessorPrefix(mount, role)), accessor))
	if errors.Is(err, projections.ErrNotFound) {
		return "", ErrNotFound
	}
	return string(raw), err
}

// ListSecretIDAccessors returns the accessors of a role's secret IDs.
func ListSecretIDAccessors(s *projections.Store, mount, role string) ([]string, error) {
	return names(s, approleAccessorPrefix(mount, role))
}

// ListSecretIDs returns the states of a role's secret IDs (for tidy).
func ListSecretIDs(s *projections.Store, b *ledger.Barrier, mount, role string) ([]*approleevent.SecretID, error) {
	var out []*approleevent.SecretID
	var openErr error
	err := s.Scan(approleSecretPrefix(mount, role), func(k, v []byte) bool {
		var st approleevent.SecretID
		if openErr = openInto(b, k, v, &st); openErr != nil {
			return false
		}
		out = append(out, &st)
		return true
	})
	if err == nil {
		err = openErr
	}
	return out, err
}
