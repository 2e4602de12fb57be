package transitstore

import (
	"encoding/binary"
	"strconv"
)

// Record kinds after a mount's prefix.
const (
	kindKey     = 'k'
	kindVersion = 'v'
)

// MaterialAAD binds a version's sealed material to its mount, key name,
// version and data key, so a sealed blob cannot be replayed as another
// key's or another version's material.
func MaterialAAD(mount, name string, version int, dataKey string) []byte {
	return []byte("coffer-transit-key\x00" + mount + "\x00" + name + "\x00" + strconv.Itoa(version) + "\x00" + dataKey)
}

func mountPrefix(mount string) []byte {
	k := make([]byte, 0, len("transit/")+len(mount)+1+1+64+9)
	k = append(k, "transit/"...)
	k = append(k, mount...)
	return append(k, 0)
}

func keyPrefix(mount string) []byte { return append(mountPrefix(mount), kindKey) }

func keyKey(mount, name string) []byte { return append(keyPrefix(mount), name...) }

func versionPrefix(mount, name string) []byte {
	k := append(mountPrefix(mount), kindVersion)
	k = append(k, name...)
	return append(k, 0)
}

func versionKey(mount, name string, version int) []byte {
	return binary.BigEndian.AppendUint64(versionPrefix(mount, name), uint64(version))
}
