package databasestore

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

func configKey(mount, name string) []byte { return append(configPrefix(mount), name...) }

func rolePrefix(mount string) []byte { return append(mountPrefix(mount), kindRole) }

func roleKey(mount, name string) []byte { return append(rolePrefix(mount), name...) }
