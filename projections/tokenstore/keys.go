package tokenstore

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
)

// HMAC purposes: a token and an accessor hash differently, so one can
// never be looked up as the other.
const (
	purposeToken    = "token"
	purposeAccessor = "token-accessor"
)

var (
	prefixID       = []byte("tok/id/")
	prefixAccessor = []byte("tok/acc/")
	prefixChild    = []byte("tok/child/")
)

// Hash is a token's identity: HMAC-SHA256 of the raw token under the
// keyring's derived key, in hex. It is the aggregate id of the token's
// events and the key of its record.
func Hash(b *ledger.Barrier, raw string) string {
	return hex.EncodeToString(b.HMAC(purposeToken, raw))
}

func accessorHash(b *ledger.Barrier, accessor string) string {
	return hex.EncodeToString(b.HMAC(purposeAccessor, accessor))
}

func idKey(hash string) []byte { return append(append([]byte{}, prefixID...), hash...) }

func accessorKey(b *ledger.Barrier, accessor string) []byte {
	return append(append([]byte{}, prefixAccessor...), accessorHash(b, accessor)...)
}

func childPrefix(parent string) []byte {
	k := append(append([]byte{}, prefixChild...), parent...)
	return append(k, '/')
}

func childKey(parent, child string) []byte { return append(childPrefix(parent), child...) }

// childOf extracts the child hash from a child-index key.
func childOf(key []byte) string {
	s := string(key)
	return s[strings.LastIndexByte(s, '/')+1:]
}

func sealRecord(b *ledger.Barrier, t *tokenevent.Token) ([]byte, error) {
	plain, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("tokenstore: encode record: %w", err)
	}
	return b.Seal(idKey(t.Hash), plain), nil
}

func openRecord(b *ledger.Barrier, hash string, sealed []byte) (*tokenevent.Token, error) {
	plain, err := b.Open(idKey(hash), sealed)
	if err != nil {
		return nil, fmt.Errorf("tokenstore: open record: %w", err)
	}
	var t tokenevent.Token
	if err := json.Unmarshal(plain, &t); err != nil {
		return nil, fmt.Errorf("tokenstore: decode record: %w", err)
	}
	t.Hash = hash
	return &t, nil
}
