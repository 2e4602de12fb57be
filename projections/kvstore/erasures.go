package kvstore

import (
	"github.com/cofferhq/coffer/projections"
)

// A destroyed version's data key stays listed as pending erasure until a
// sweep has seen it erased (commands/kv's sweeper). The ledger message that
// destroys a version (a pruning write, a destroy) is the durable record
// that its key must go; this row is that record made findable, so the
// write need not also queue an erase job (a second fsync) before it is
// answered, and a key whose erasure was lost with a crash is still erased.
// A rebuild of the read model lists every key ever destroyed again; the
// sweep finds them erased and only reads.
//
// Key: "kv/\x00erase\x00" + data key id (no mount is empty, so no mount's
// records share the prefix); no value. Ids are random and name nothing.
var pendingPrefix = []byte("kv/\x00erase\x00")

func pendingKey(id string) []byte {
	return append(append([]byte(nil), pendingPrefix...), id...)
}

// markPending lists a destroyed version's data key for erasure.
func markPending(tx *projections.Tx, id string) error {
	if id == "" {
		return nil
	}
	return tx.Set(pendingKey(id), nil)
}

// PendingErasures returns up to max data key ids waiting for a sweep.
func (r Reader) PendingErasures(max int) ([]string, error) {
	var ids []string
	err := r.Store.Scan(pendingPrefix, func(key, _ []byte) bool {
		ids = append(ids, string(key[len(pendingPrefix):]))
		return len(ids) < max
	})
	return ids, err
}

// ErasureDone drops ids from the pending list: they are erased.
func (r Reader) ErasureDone(ids []string) error {
	keys := make([][]byte, len(ids))
	for i, id := range ids {
		keys[i] = pendingKey(id)
	}
	return r.Store.Delete(keys...)
}
