package kvstore

import (
	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
)

// OpenMetadataUncached is Reader.Metadata without the opened-record
// cache, for the benchmark's "before".
func OpenMetadataUncached(r Reader, b *ledger.Barrier, mount, path string) (*kvevent.Metadata, error) {
	return loadMetadata(r.Store, b, metadataKey(mount, kvevent.PathHash(b, mount, path)))
}
