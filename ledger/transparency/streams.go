package transparency

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/mod/sumdb/tlog"
)

// The checkpoint stream sits beside the ledger stream, never inside it: the
// tree commits to every message of COFFER_LEDGER, so its own records cannot
// be among them.
const (
	StreamName = "COFFER_CHECKPOINTS"
	// SubjectCheckpoint carries signed checkpoints, one per message.
	SubjectCheckpoint = "coffer.checkpoints"
	// SubjectKey carries the signing key record (first message wins).
	SubjectKey = "coffer.checkpoints.key"
	// SubjectLeaves carries the leaf store: chunks of leaf hashes in order,
	// each with the tree frontier after it.
	SubjectLeaves = "coffer.checkpoints.leaves"
)

// maxChunkLeaves bounds one leaf chunk (32 bytes a leaf: 512 KiB), well
// under NATS's default 1 MiB payload limit for external servers.
const maxChunkLeaves = 16384

func ensureStream(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.Stream, error) {
	if replicas < 1 {
		replicas = 1
	}
	s, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Coffer transparency log: signed checkpoints of COFFER_LEDGER, its leaf hashes, the signing key",
		Subjects:    []string{SubjectCheckpoint, SubjectKey, SubjectLeaves},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew,
		DenyDelete:  true,
		DenyPurge:   true,
		Duplicates:  defaultDuplicates,
		Replicas:    replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("transparency: create stream: %w", err)
	}
	return s, nil
}

// leafChunk is one message of the leaf store: the leaf hashes of tree
// positions [First, First+len(Leaves)), the ledger sequence the next leaf
// will come from, and the frontier of the tree of First+len(Leaves) leaves
// (so a restart resumes from the last chunk alone).
type leafChunk struct {
	First    int64
	NextSeq  uint64
	Leaves   []tlog.Hash
	Frontier []tlog.Hash
}

func (c leafChunk) end() int64 { return c.First + int64(len(c.Leaves)) }

const chunkMagic = "coffer.leaves.v1\x00"

// Layout: magic || first u64 || next seq u64 || leaf count u32 ||
// frontier count u8 || leaves || frontier, integers big-endian.
func (c leafChunk) marshal() []byte {
	out := make([]byte, 0, len(chunkMagic)+21+tlog.HashSize*(len(c.Leaves)+len(c.Frontier)))
	out = append(out, chunkMagic...)
	out = binary.BigEndian.AppendUint64(out, uint64(c.First))
	out = binary.BigEndian.AppendUint64(out, c.NextSeq)
	out = binary.BigEndian.AppendUint32(out, uint32(len(c.Leaves)))
	out = append(out, byte(len(c.Frontier)))
	for _, h := range c.Leaves {
		out = append(out, h[:]...)
	}
	for _, h := range c.Frontier {
		out = append(out, h[:]...)
	}
	return out
}

func unmarshalChunk(b []byte) (leafChunk, error) {
	bad := func(what string) (leafChunk, error) {
		return leafChunk{}, fmt.Errorf("%w: leaf chunk: %s", ErrMalformed, what)
	}
	if len(b) < len(chunkMagic)+21 || string(b[:len(chunkMagic)]) != chunkMagic {
		return bad("header")
	}
	b = b[len(chunkMagic):]
	c := leafChunk{First: int64(binary.BigEndian.Uint64(b)), NextSeq: binary.BigEndian.Uint64(b[8:])}
	nl, nf := int(binary.BigEndian.Uint32(b[16:])), int(b[20])
	b = b[21:]
	if c.First < 0 || len(b) != tlog.HashSize*(nl+nf) {
		return bad("length")
	}
	c.Leaves, c.Frontier = make([]tlog.Hash, nl), make([]tlog.Hash, nf)
	for i := range c.Leaves {
		copy(c.Leaves[i][:], b[i*tlog.HashSize:])
	}
	b = b[nl*tlog.HashSize:]
	for i := range c.Frontier {
		copy(c.Frontier[i][:], b[i*tlog.HashSize:])
	}
	if len(frontierIndexes(c.end())) != nf {
		return bad("frontier size")
	}
	return c, nil
}
