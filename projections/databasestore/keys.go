package databasestore

import "github.com/cofferhq/coffer/projections"

// Record kinds after a mount's prefix.
const (
	kindConfig = 'c'
	kindRole   = 'r'
)

// Slots of a sealed root password.
const (
	slotCurrent = "current"
	slotPending = "pending"
)

// PasswordAAD binds a sealed root password to its mount, connection name
// and slot.
func PasswordAAD(mount, name, slot string) []byte {
	return []byte("coffer-database-root\x00" + mount + "\x00" + name + "\x00" + slot)
}

func mountPrefix(mount string) []byte {
	k := make([]byte, 0, len("database/")+len(mount)+2+64)
	k = append(k, "database/"...)
	k = append(k, mount...)
	return append(k, 0)
}

func configPrefix(mount string) []byte { return append(mountPrefix(mount), kindConfig) }

// configKey and roleKey name a record by the HMAC of mount and name: the
// name is only inside the sealed record.
func configKey(r projections.SealedReader, mount, name string) ([]byte, error) {
	return projections.NameKey(r, configPrefix(mount), "database-config", mount+"\x00"+name)
}

func rolePrefix(mount string) []byte { return append(mountPrefix(mount), kindRole) }

func roleKey(r projections.SealedReader, mount, name string) ([]byte, error) {
	return projections.NameKey(r, rolePrefix(mount), "database-role", mount+"\x00"+name)
}
