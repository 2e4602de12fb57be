package transitstore

import (
	"encoding/binary"

	"github.com/cofferhq/coffer/projections"
)

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

// names is a transit key's pebble keys: its record's and the prefix of its
// versions', both named by the HMAC of mount and key name (the name is
// only inside the sealed record).
type names struct{ key, versions []byte }

func keysOf(r projections.SealedReader, mount, name string) (names, error) {
	k, err := projections.NameKey(r, keyPrefix(mount), "transit-key", mount+"\x00"+name)
	if err != nil {
		return names{}, err
	}
	hash := k[len(keyPrefix(mount)):]
	v := append(mountPrefix(mount), kindVersion)
	v = append(v, hash...)
	return names{key: k, versions: append(v, 0)}, nil
}

func (n names) version(version int) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), n.versions...), uint64(version))
}
