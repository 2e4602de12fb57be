// Package kvstore is the read model of the KV version 2 secrets engine: one
// metadata record per secret, one ciphertext record per version, the mount's
// configuration. The events it applies are in events/kvevent.
//
// Layout in pebble, all under "kv/<mount accessor>\x00":
//
//	c             mount config (JSON sealed by the barrier, projections.PutJSON)
//	m<hmac>       secret metadata, sealed by the barrier
//	n<hmac>       the secret's path name, sealed by the barrier (for LIST)
//	v<hmac><ver>  data-key id and the version's value sealed under that key
//
// and, outside any mount, "kv/\x00erase\x00<data key id>": a destroyed
// version's key until a sweep has seen it erased (erasures.go).
//
// <hmac> is Barrier.HMAC("kv-path", accessor+"/"+path): a secret's path never
// appears in a pebble key, only inside sealed values. A version's value is
// sealed under its own data key (ledger.DataKeys), never under the barrier
// alone, so erasing that key (destroy, metadata delete, max_versions
// pruning) makes every copy unreadable: the ledger event, this read model,
// and any rebuild of it.
package kvstore
