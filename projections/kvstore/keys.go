package kvstore

import (
	"encoding/binary"
	"fmt"
)

// Record kinds after a mount's prefix.
const (
	kindConfig   = 'c'
	kindMetadata = 'm'
	kindName     = 'n'
	kindVersion  = 'v'
)

func mountPrefix(mount string) []byte {
	k := make([]byte, 0, 3+len(mount)+1+1+32+8)
	k = append(k, "kv/"...)
	k = append(k, mount...)
	return append(k, 0)
}

func recordKey(mount string, kind byte, hash []byte) []byte {
	k := append(mountPrefix(mount), kind)
	return append(k, hash...)
}

func configKey(mount string) []byte { return append(mountPrefix(mount), kindConfig) }

func metadataKey(mount string, hash []byte) []byte { return recordKey(mount, kindMetadata, hash) }

func nameKey(mount string, hash []byte) []byte { return recordKey(mount, kindName, hash) }

func namePrefix(mount string) []byte { return append(mountPrefix(mount), kindName) }

func versionPrefix(mount string, hash []byte) []byte { return recordKey(mount, kindVersion, hash) }

func versionKey(mount string, hash []byte, version uint64) []byte {
	return binary.BigEndian.AppendUint64(versionPrefix(mount, hash), version)
}

// A version record is len(keyID) || keyID || ciphertext.
func encodeVersionRecord(keyID string, ciphertext []byte) ([]byte, error) {
	if len(keyID) == 0 || len(keyID) > 255 {
		return nil, fmt.Errorf("%w: data key id of %d bytes", ErrCorruptRecord, len(keyID))
	}
	out := make([]byte, 0, 1+len(keyID)+len(ciphertext))
	out = append(out, byte(len(keyID)))
	out = append(out, keyID...)
	return append(out, ciphertext...), nil
}

func decodeVersionRecord(rec []byte) (keyID string, ciphertext []byte, err error) {
	if len(rec) < 1 || len(rec) < 1+int(rec[0]) {
		return "", nil, fmt.Errorf("%w: short version record", ErrCorruptRecord)
	}
	n := int(rec[0])
	return string(rec[1 : 1+n]), rec[1+n:], nil
}
