package kvevent

import (
	"encoding/hex"
	"strconv"

	"github.com/cofferhq/coffer/ledger"
)

// hmacPurpose names the barrier HMAC that stands in for a secret's path.
const hmacPurpose = "kv-path"

// PathHash is the name a secret's path goes by wherever it must not appear
// in plaintext (pebble keys, aggregate ids).
func PathHash(b *ledger.Barrier, mount, path string) []byte {
	return b.HMAC(hmacPurpose, mount+"/"+path)
}

// AggregateID is the aggregate id of one secret. It carries the path's
// HMAC, not the path, because the projector writes aggregate ids into the
// version table in pebble.
func AggregateID(b *ledger.Barrier, mount, path string) string {
	return mount + "/" + hex.EncodeToString(PathHash(b, mount, path))
}

// ConfigAggregateID is the aggregate id of a mount's config.
func ConfigAggregateID(mount string) string { return mount + ":config" }

// ValueAAD binds a version's ciphertext to its mount, path and version, so
// a ciphertext cannot be replayed as another secret or version.
func ValueAAD(mount, path string, version uint64) []byte {
	return []byte("coffer-kv-value\x00" + mount + "\x00" + path + "\x00" + strconv.FormatUint(version, 10))
}
