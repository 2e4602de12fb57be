package pkistore

import (
	"encoding/json"

	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Record kinds after a mount's prefix.
const (
	kindMount   = 'm'
	kindPrivate = 'p'
	kindRole    = 'r'
	kindCert    = 'c'
	kindRevoked = 'x'
)

func mountPrefix(mount string) []byte {
	k := make([]byte, 0, len("pki/")+len(mount)+1+1+64)
	k = append(k, "pki/"...)
	k = append(k, mount...)
	return append(k, 0)
}

func kindPrefix(mount string, kind byte) []byte { return append(mountPrefix(mount), kind) }

func mountKey(mount string) []byte { return kindPrefix(mount, kindMount) }

func privateKey(mount, keyID string) []byte { return append(kindPrefix(mount, kindPrivate), keyID...) }

// roleKey names a role by the barrier's keyed HMAC of mount and name: a
// role name is chosen by a user and must not show in pebble (issue 10,
// item 10); it is kept inside the sealed roleRecord, for listing.
func roleKey(b *ledger.Barrier, mount, name string) []byte {
	return projections.TxNameKey(b, kindPrefix(mount, kindRole), "pki-role", mount+"\x00"+name)
}

// roleRecord is what a role's key holds, sealed: its name and its JSON
// (policy.Role).
type roleRecord struct {
	Name string          `json:"name"`
	Role json.RawMessage `json:"role"`
}

func certKey(mount, serial string) []byte { return append(kindPrefix(mount, kindCert), serial...) }

func revokedPrefix(mount, issuerID string) []byte {
	k := append(kindPrefix(mount, kindRevoked), issuerID...)
	return append(k, 0)
}

func revokedKey(mount, issuerID, serial string) []byte {
	return append(revokedPrefix(mount, issuerID), serial...)
}

const (
	kindACME       = 'a'
	kindThumbprint = 't'
	kindNoStore    = 'n'
)

func noStoreKey(mount, serial string) []byte {
	return append(kindPrefix(mount, kindNoStore), serial...)
}

func acmeKey(mount, kind, id string) []byte {
	k := append(kindPrefix(mount, kindACME), kind...)
	k = append(k, 0)
	return append(k, id...)
}

func thumbprintKey(mount, tp string) []byte { return append(kindPrefix(mount, kindThumbprint), tp...) }
