package transitstore

import "encoding/binary"

// Record kinds after a mount's prefix.
const (
	kindKey     = 'k'
	kindVersion = 'v'
)

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
