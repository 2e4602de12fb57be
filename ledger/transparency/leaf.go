package transparency

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sort"

	"golang.org/x/mod/sumdb/tlog"
)

// Domain-separation prefixes of the two hashed encodings. Changing either
// changes every leaf: bump the version suffix, never edit in place.
const (
	contentPrefix = "coffer.ledger.content.v1\x00"
	leafPrefix    = "coffer.ledger.leaf.v1\x00"
)

// ContentHash is SHA-256 over everything stored with a message except its
// position:
//
//	"coffer.ledger.content.v1\x00"
//	|| stored time, Unix nanoseconds, int64
//	|| str(subject)
//	|| header count, uint32, then for each header name in byte order:
//	   str(name) || value count, uint32 || str(value) for each value
//	|| data length, uint64 || data as stored (ciphertext)
//
// where integers are big-endian and str(s) is a uint32 length then s. Every
// stored header counts (Nats-Msg-Id, which the batch's AEAD binds, and the
// publish controls), so no stored byte can change unnoticed. Keeping the
// position out is what lets Verify recognise a message that was moved
// rather than altered.
func ContentHash(m Message) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(contentPrefix))
	writeU64(h, uint64(m.Stored.UnixNano()))
	writeStr(h, m.Subject)
	names := make([]string, 0, len(m.Header))
	for k := range m.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	writeU32(h, uint32(len(names)))
	for _, k := range names {
		writeStr(h, k)
		writeU32(h, uint32(len(m.Header[k])))
		for _, v := range m.Header[k] {
			writeStr(h, v)
		}
	}
	writeU64(h, uint64(len(m.Data)))
	h.Write(m.Data)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

func writeU32(h hash.Hash, v uint32) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	h.Write(b[:])
}

func writeU64(h hash.Hash, v uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	h.Write(b[:])
}

func writeStr(h hash.Hash, s string) {
	writeU32(h, uint32(len(s)))
	h.Write([]byte(s))
}

// LeafData is the record the Merkle tree commits to for the message stored
// at sequence seq with the given content hash:
//
//	"coffer.ledger.leaf.v1\x00" || seq, uint64 big-endian || ContentHash
func LeafData(seq uint64, content [sha256.Size]byte) []byte {
	out := make([]byte, 0, len(leafPrefix)+8+sha256.Size)
	out = append(out, leafPrefix...)
	out = binary.BigEndian.AppendUint64(out, seq)
	return append(out, content[:]...)
}

// LeafHash is the RFC 6962 leaf hash (tlog.RecordHash) of LeafData.
func LeafHash(seq uint64, content [sha256.Size]byte) tlog.Hash {
	return tlog.RecordHash(LeafData(seq, content))
}

// MessageLeafHash hashes one stored message as its leaf.
func MessageLeafHash(m Message) tlog.Hash {
	return LeafHash(m.Seq, ContentHash(m))
}
