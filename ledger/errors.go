package ledger

import "errors"

var (
	// ErrConflict reports that an aggregate changed after the command was
	// decided; the caller reloads and decides again.
	ErrConflict = errors.New("ledger: aggregate version conflict")
	// ErrSealed reports that no keyring is loaded, so nothing can be read or
	// written.
	ErrSealed = errors.New("ledger: sealed")
	// ErrClosed reports use of a closed writer or store.
	ErrClosed = errors.New("ledger: closed")
	// ErrCorrupt reports a message that fails authentication or decoding.
	ErrCorrupt = errors.New("ledger: corrupt message")
	// ErrUnknownTerm reports a ciphertext sealed under a term the keyring
	// does not hold.
	ErrUnknownTerm = errors.New("ledger: unknown keyring term")
	// ErrDataKeyDestroyed reports a data key that was erased.
	ErrDataKeyDestroyed = errors.New("ledger: data key destroyed")
	// ErrTooLarge reports an append larger than one ledger message may be.
	ErrTooLarge = errors.New("ledger: append too large")
	// ErrStorageFull reports that the data dir's disk has too little free
	// space to commit: nothing was written, and requests are refused
	// until space is freed (the ledger recovers by itself).
	ErrStorageFull = errors.New("ledger: storage full (no space left for the ledger on the data dir's disk)")
	// ErrStorageFailed reports another write error of the embedded
	// server's store; the ledger retries until the store works again.
	ErrStorageFailed = errors.New("ledger: storage write failed")
	// ErrOutcomeUnknown reports an append whose publish could not be
	// confirmed either way (it may still be stored, as any timed-out
	// write): the caller must not decide again as after a conflict.
	ErrOutcomeUnknown = errors.New("ledger: append outcome unknown")
	// ErrWriterUnavailable reports a forwarded hold the elected writer
	// did not answer (it died, or is waiting for the stream's new
	// leader): the hold was dropped, nothing was stored, and the request
	// may be retried.
	ErrWriterUnavailable = errors.New("ledger: the elected writer did not answer; nothing was stored")
)
