package authstore

import (
	"encoding/hex"
	"fmt"

	"github.com/cofferhq/coffer/events/approleevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// AppRolePrefix is the AppRole read model's pebble prefix.
const AppRolePrefix = "approle/"

func approleMount(mount string) string { return AppRolePrefix + mount + "\x00" }

func approleRolesPrefix(mount string) []byte    { return key(approleMount(mount), "r") }
func approleIndexKey(mount, hash string) []byte { return key(approleMount(mount), "i", hash) }

// approleRoleKey names a role by the HMAC of mount and name.
func approleRoleKey(mount, name string) func(projections.SealedReader) ([]byte, error) {
	return func(r projections.SealedReader) ([]byte, error) {
		return nameKey(r, approleRolesPrefix(mount), "approle-role", mount, name)
	}
}

// approleRoleScope is the prefix of a role's records of kind (secret IDs,
// accessors): the same HMAC of the role as its key, never its name.
func approleRoleScope(r projections.SealedReader, mount, kind, role string) ([]byte, error) {
	k, err := nameKey(r, key(approleMount(mount), kind), "approle-role", mount, role)
	if err != nil {
		return nil, err
	}
	return append(k, 0), nil
}

func approleSecretPrefix(r projections.SealedReader, mount, role string) ([]byte, error) {
	return approleRoleScope(r, mount, "s", role)
}

func approleAccessorPrefix(r projections.SealedReader, mount, role string) ([]byte, error) {
	return approleRoleScope(r, mount, "a", role)
}

// accessorRecord is what a secret ID accessor's key holds, sealed: the
// accessor (a handle that looks up and destroys the secret ID, so named in
// the key by its HMAC only) and the secret ID's HMAC.
type accessorRecord struct {
	Accessor string `json:"accessor"`
	Hash     string `json:"hash"`
}

func approleAccessorKey(b *ledger.Barrier, prefix []byte, accessor string) []byte {
	return projections.TxNameKey(b, prefix, "approle-secret-id-accessor", accessor)
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
	k, err := approleRoleKey(e.Mount, e.Role.Name)(tx)
	if err != nil {
		return err
	}
	var prev approleevent.Role
	found, err := projections.GetJSON(tx, k, &prev)
	if err != nil {
		return err
	}
	if found && prev.RoleID != e.Role.RoleID {
		if err := tx.Delete(approleIndexKey(e.Mount, roleIDHash(tx.Barrier(), e.Mount, prev.RoleID))); err != nil {
			return err
		}
	}
	// The index holds the role's name sealed: a login by role ID must
	// find the role without the name showing in pebble.
	if err := projections.PutJSON(tx, approleIndexKey(e.Mount, roleIDHash(tx.Barrier(), e.Mount, e.Role.RoleID)), e.Role.Name); err != nil {
		return err
	}
	return projections.PutJSON(tx, k, e.Role)
}

func applyAppRoleDeleted(tx *projections.Tx, e *approleevent.RoleDeleted) error {
	k, err := approleRoleKey(e.Mount, e.Name)(tx)
	if err != nil {
		return err
	}
	var prev approleevent.Role
	found, err := projections.GetJSON(tx, k, &prev)
	if err != nil || !found {
		return err
	}
	if err := tx.Delete(approleIndexKey(e.Mount, roleIDHash(tx.Barrier(), e.Mount, prev.RoleID))); err != nil {
		return err
	}
	// The role's secret IDs go with it, as Vault deletes them.
	for _, scope := range []func(projections.SealedReader, string, string) ([]byte, error){approleSecretPrefix, approleAccessorPrefix} {
		p, err := scope(tx, e.Mount, e.Name)
		if err != nil {
			return err
		}
		if err := tx.DeletePrefix(p); err != nil {
			return err
		}
	}
	return tx.Delete(k)
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
	secrets, err := approleSecretPrefix(tx, mount, role)
	if err != nil {
		return err
	}
	accessors, err := approleAccessorPrefix(tx, mount, role)
	if err != nil {
		return err
	}
	k := key(string(secrets), hash)
	var cur *approleevent.SecretID
	var st approleevent.SecretID
	found, err := projections.GetJSON(tx, k, &st)
	if err != nil {
		return err
	}
	if found {
		cur = &st
	}
	next := approleevent.Apply(cur, ev)
	if next == nil {
		if cur != nil {
			if err := tx.Delete(approleAccessorKey(tx.Barrier(), accessors, cur.Accessor)); err != nil {
				return err
			}
		}
		return tx.Delete(k)
	}
	if err := projections.PutJSON(tx, approleAccessorKey(tx.Barrier(), accessors, next.Accessor), accessorRecord{next.Accessor, hash}); err != nil {
		return err
	}
	return projections.PutJSON(tx, k, next)
}

// GetAppRole returns a role and its aggregate version (read first, so a
// newer record only costs a conflict), or ErrNotFound with the version.
func GetAppRole(s *projections.Store, b *ledger.Barrier, mount, name string) (*approleevent.Role, uint64, error) {
	v, err := s.AggregateVersion(approleevent.KindRole, approleevent.RoleAggregate(mount, name))
	if err != nil {
		return nil, 0, err
	}
	var r approleevent.Role
	found, err := getNamed(s, b, approleRoleKey(mount, name), &r)
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
	var name string
	found, err := projections.GetJSON(s, approleIndexKey(mount, roleIDHash(b, mount, roleID)), &name)
	if err == nil && !found {
		return "", ErrNotFound
	}
	return name, err
}

// ListAppRoles returns the mount's role names in order.
func ListAppRoles(s *projections.Store, mount string) ([]string, error) {
	return projections.ScanNames(s, approleRolesPrefix(mount), func(r approleevent.Role) string { return r.Name })
}

// GetSecretID returns a secret ID's state by its HMAC and its aggregate
// version, or ErrNotFound with the version.
func GetSecretID(s *projections.Store, b *ledger.Barrier, mount, role, hash string) (*approleevent.SecretID, uint64, error) {
	v, err := s.AggregateVersion(approleevent.KindSecretID, approleevent.SecretIDAggregate(mount, role, hash))
	if err != nil {
		return nil, 0, err
	}
	var st approleevent.SecretID
	found, err := getNamed(s, b, func(r projections.SealedReader) ([]byte, error) {
		p, err := approleSecretPrefix(r, mount, role)
		return key(string(p), hash), err
	}, &st)
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
func SecretIDHashByAccessor(s *projections.Store, b *ledger.Barrier, mount, role, accessor string) (string, error) {
	var rec accessorRecord
	found, err := getNamed(s, b, func(r projections.SealedReader) ([]byte, error) {
		p, err := approleAccessorPrefix(r, mount, role)
		if err != nil {
			return nil, err
		}
		return approleAccessorKey(b, p, accessor), nil
	}, &rec)
	if err == nil && !found {
		return "", ErrNotFound
	}
	return rec.Hash, err
}

// ListSecretIDAccessors returns the accessors of a role's secret IDs.
func ListSecretIDAccessors(s *projections.Store, mount, role string) ([]string, error) {
	p, err := approleAccessorPrefix(s, mount, role)
	if err != nil {
		return nil, err
	}
	return projections.ScanNames(s, p, func(r accessorRecord) string { return r.Accessor })
}

// ListSecretIDs returns the states of a role's secret IDs (for tidy).
func ListSecretIDs(s *projections.Store, b *ledger.Barrier, mount, role string) ([]*approleevent.SecretID, error) {
	if b == nil {
		return nil, ledger.ErrSealed
	}
	p, err := approleSecretPrefix(s, mount, role)
	if err != nil {
		return nil, err
	}
	all, err := projections.ScanJSON[approleevent.SecretID](s, p)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	out := make([]*approleevent.SecretID, len(all))
	for i := range all {
		out[i] = &all[i]
	}
	return out, nil
}
