// Package transparency makes the ledger tamper-evident: a Merkle tree over
// every stored message of COFFER_LEDGER, signed checkpoints of it, and the
// verifier and inclusion proofs behind `coffer ledger verify|prove`.
// Checking needs no unseal key: only the stored messages (ciphertext), the
// checkpoint stream and the checkpoint public key, so an auditor can run it
// on a backup.
//
// # Leaves
//
// Leaf i is the message stored at the i-th position of the stream (sequence
// i+1 in a healthy ledger, which denies deletes). Its record is
//
//	LeafData = "coffer.ledger.leaf.v1\x00" || sequence || ContentHash
//
// where ContentHash is SHA-256 over the stored time, the subject, every
// stored header (Nats-Msg-Id, which the batch's AEAD binds, and the publish
// controls) and the data as stored (see ContentHash for the exact bytes).
// Leaves and interior nodes are hashed as RFC 6962 (tlog.RecordHash,
// tlog.NodeHash from golang.org/x/mod/sumdb/tlog), so roots and proofs are
// checkable with tlog.CheckRecord and tlog.CheckTree. Position and content
// are hashed apart on purpose: it lets the verifier recognise a message that
// was moved rather than altered.
//
// With an audit retention (package ledger) audit messages age out of the
// stream after the checkpointer hashed them; the stream alone then reads
// them as dropped, and package archive verifies it together with the
// archive it copied them to. A checkpointer that falls behind by more
// than the retention misses what expired meanwhile.
//
// # Checkpoints
//
// A checkpoint is a signed note (golang.org/x/mod/sumdb/note, the C2SP
// signed-note format) whose text is a C2SP tlog checkpoint with the signing
// time as an extension line:
//
//	coffer-ledger
//	<tree size>
//	<base64 root hash>
//	<RFC 3339 time>
//
//	— coffer-ledger <base64 key hash || Ed25519 signature>
//
// Anyone holding the verifier key ("coffer-ledger+<hash>+<base64>", see
// VerifierKey) can check one with note.Open, without Coffer. The key pair is
// generated once and recorded on coffer.checkpoints.key as {verifier key,
// signer key sealed by the ledger barrier}: any node that can unseal can
// sign, anyone can verify. The stored public key is a convenience; an
// auditor should pin the key obtained from a trusted place, because whoever
// rewrites a data dir can also replace the key record in it.
//
// # The checkpoint stream
//
// COFFER_CHECKPOINTS (never the ledger stream itself, whose every message
// the tree covers) holds three subjects:
//
//   - coffer.checkpoints: signed checkpoints, in signing order;
//   - coffer.checkpoints.key: the key record (the first one wins; writes are
//     fenced on "no key yet");
//   - coffer.checkpoints.leaves: the leaf store, chunks of leaf hashes in
//     tree order (32 bytes a message), each with the tree's frontier (the
//     O(log n) roots of its maximal perfect subtrees) at its end.
//
// The leaf store is a stream rather than a file under the data dir because
// it must go where the ledger goes: replicated with it in a cluster (the
// checkpointer moves between nodes), inside every copy of a data dir, and
// readable online through JetStream.
//
// # Checkpointer
//
// One goroutine (Checkpointer.Run) follows the ledger with an ordered
// consumer, hashes each message into the tree, and every Every messages
// (1,000) or Interval (5 s) when anything arrived, appends the pending leaf
// hashes as a chunk, then publishes a checkpoint: a checkpoint is never
// ahead of the leaf store. Chunks are fenced with the expected last
// sequence of the leaf subject, so a second checkpointer on the same ledger
// stops with ErrConcurrentCheckpointer instead of signing a fork. A restart
// reads the last chunk (frontier, next sequence) and the last checkpoint,
// checks that the frontier reproduces that checkpoint's root, and resumes
// from there: two reads instead of a re-hash. Re-hashing from zero costs
// ~130,000-200,000 messages/s here (BenchmarkCheckpointerFromZero): under a
// second per 100,000 messages, but about a minute per ten million, on every
// start, which is why the frontier is stored. A sequence gap in the
// ledger is logged and hashed as found (the leaf names its own sequence);
// Verify reports it.
//
// # Verify: naming the exact index
//
// A signed root alone says only that some leaf before its size changed.
// Verify streams three things in tree order: the stored messages (it
// recomputes each leaf), the leaf store, and the checkpoints, and grows two
// trees side by side, one from the recomputed leaves and one from the
// stored leaf hashes, comparing each with every checkpoint it reaches.
//
//   - The recomputed tree decides whether the ledger is intact: every
//     checkpoint must match it, and sequences must be contiguous from 1
//     (JetStream numbers messages itself and the stream denies deletes, so a
//     gap is a dropped message whatever the checkpoints say).
//   - The leaf store is not trusted for being there: an attacker with the
//     disk can rewrite it too. It is trusted up to the largest checkpoint
//     whose signed root its own leaf hashes reproduce: collision resistance
//     makes those leaf hashes the ones that were signed. Within that
//     authenticated prefix, the first position where the recomputed leaf
//     differs from the stored one is exactly the first altered message.
//   - That position is then classified using position-free content hashes:
//     if the content stored there hashes, at another position's sequence,
//     to that position's authentic leaf, and the authentic message of this
//     position is found elsewhere, the messages were reordered (a swap names
//     both indexes); if the content belongs later but this position's
//     message is nowhere, the message was dropped and later ones moved up;
//     otherwise it was changed.
//   - When the leaf store cannot vouch for the range (missing, rewritten,
//     behind), Verify brackets the change between the last checkpoint the
//     messages reproduce and the first they do not, says it is not exact,
//     and never names a wrong index.
//   - Successive checkpoints are checked for consistency with
//     tlog.ProveTree/tlog.CheckTree on whichever tree matches the later one
//     (a failure means the signer signed a rewritten history), duplicate
//     sizes with different roots are forks, and every signature is checked.
//
// Memory stays O(log n + messages between two checkpoints): each tree keeps
// its frontier and the hashes written since the last checkpoint, which is
// all a consistency proof from that checkpoint reads.
//
// What Verify cannot see: a copy whose newest checkpoints and the messages
// after them were both cut off looks like an older, intact ledger. Keep the
// latest checkpoint note (or its size) somewhere else to catch that. Nor can
// it tell a rewrite signed with a stolen key from the truth, beyond the
// consistency checks between checkpoints.
//
// # Prove
//
// Prove builds the RFC 6962 inclusion proof of one message in the latest
// checkpoint, streaming the leaf store (or the messages, when the leaf
// store is short or wrong) and keeping only the hashes the audit path
// needs. CheckProof checks it under a public key: signature, root and size,
// leaf hash from index and content hash, audit path. The proof carries the
// subject, headers, stored time and content hash, never the data, so a
// holder of the message can tie it to the proof (Proof.Matches).
//
// # Sources
//
// Source reads streams through JetStream: NewSource over a running node's
// connection (online), or OpenOffline, which copies DIR/nats of a data dir
// (a backup, or a stopped node's) to a temporary directory ($TMPDIR; it
// needs room for the ledger) and starts an embedded NATS server on the
// copy. The copy is what makes offline use read-only: a JetStream server
// rewrites index files when it starts.
//
// # Figures
//
// Measured on this project's 2-core machine, with
// `go test -run '^$' -bench . -benchtime 5x ./ledger/transparency/`, over a
// ledger of 20,000 messages of 600 bytes:
//
//	leaf hash (default -benchtime)        ~850 ns/message (~700 MB/s)
//	Verify through a node's JetStream     ~230,000-290,000 messages/s
//	Verify offline (copy, start, verify)  ~93,000 messages/s (215 ms in all)
//	checkpointer hashing from zero        ~130,000-200,000 messages/s
//	Prove (leaf store, 20,000 leaves)     ~12 ms
package transparency
