package transparency

import "errors"

// Sentinel errors. Operational failures wrap them with %w; a tampered ledger
// is not an error but a Report with OK false.
var (
	// ErrNoCheckpoint: no signed checkpoint covers the requested index.
	ErrNoCheckpoint = errors.New("transparency: no checkpoint covers the index")
	// ErrBadSignature: a checkpoint's signature does not verify under the key.
	ErrBadSignature = errors.New("transparency: checkpoint signature does not verify")
	// ErrMalformed: a checkpoint, leaf chunk or key record cannot be parsed.
	ErrMalformed = errors.New("transparency: malformed record")
	// ErrBadProof: an inclusion proof does not check out.
	ErrBadProof = errors.New("transparency: inclusion proof does not verify")
	// ErrNotFound: the requested message or record is not stored.
	ErrNotFound = errors.New("transparency: not found")
	// ErrSealed: signing needs the ledger's barrier, and the ledger is sealed.
	ErrSealed = errors.New("transparency: ledger is sealed")
	// ErrNoKey: the checkpoint stream holds no signing key record yet.
	ErrNoKey = errors.New("transparency: no checkpoint key recorded")
	// ErrConcurrentCheckpointer: another checkpointer appended to the leaf
	// store; two signers would fork the tree, so this one stops.
	ErrConcurrentCheckpointer = errors.New("transparency: another checkpointer is running")
	// ErrInconsistentState: the checkpointer's stored tree state does not
	// reproduce its own last signed root; it refuses to sign on top of it.
	ErrInconsistentState = errors.New("transparency: stored tree state does not match the last checkpoint")
)
