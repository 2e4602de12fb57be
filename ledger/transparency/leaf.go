package transparency

import (
	"crypto/sha256"
	"encoding/binary"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/cofferhq/coffer/ledger"
)

// Domain-separation prefixes of the two hashed encodings. Changing either
// changes every leaf: bump the version suffix, never edit in place.
const (
	contentPrefix = "coffer.ledger.content.v1\x00"
	leafPrefix    = "coffer.ledger.leaf.v1\x00"
)

// ContentHash is SHA-256 over what a stored message says, independent of
// where it sits:
//
//	"coffer.ledger.content.v1\x00"
//	|| stored time, Unix nanoseconds, int64 big-endian
//	|| uint32 big-endian length || subject
//	|| uint32 big-endian length || Nats-Msg-Id header value
//	|| uint64 big-endian length || data as stored (ciphertext)
//
// Keeping position out of it is what lets Verify recognise a message that
// was moved rather than altered.
func ContentHash(m ledger.Message) [sha256.Size]byte {
	h := sha256.New()
	var b [8]byte
	h.Write([]byte(contentPrefix))
	binary.BigEndian.PutUint64(b[:], uint64(m.Stored.UnixNano()))
	h.Write(b[:])
	binary.BigEndian.PutUint32(b[:4], uint32(len(m.Subject)))
	h.Write(b[:4])
	h.Write([]byte(m.Subject))
	binary.BigEndian.PutUint32(b[:4], uint32(len(m.MsgID)))
	h.Write(b[:4])
	h.Write([]byte(m.MsgID))
	binary.BigEndian.PutUint64(b[:], uint64(len(m.Data)))
	h.Write(b[:])
	h.Write(m.Data)
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
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
func MessageLeafHash(m ledger.Message) tlog.Hash {
	return LeafHash(m.Seq, ContentHash(m))
}
