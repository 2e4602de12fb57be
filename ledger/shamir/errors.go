package shamir

import "errors"

var (
	// ErrInvalidParams reports a share count or threshold outside what Split
	// accepts.
	ErrInvalidParams = errors.New("shamir: invalid share count or threshold")
	// ErrEmptySecret reports an attempt to split nothing.
	ErrEmptySecret = errors.New("shamir: cannot split an empty secret")
	// ErrNoShares reports a Combine without shares.
	ErrNoShares = errors.New("shamir: no shares to combine")
	// ErrShareLength reports shares that are too short or differ in length.
	ErrShareLength = errors.New("shamir: shares have invalid lengths")
	// ErrDuplicateShare reports the same share (or two shares with the same
	// x-coordinate) given twice.
	ErrDuplicateShare = errors.New("shamir: duplicate share")
	// ErrMalformedShare reports a share that cannot be a share of an unseal
	// key: wrong encoding, wrong length or a zero x-coordinate.
	ErrMalformedShare = errors.New("shamir: malformed share")
	// ErrWrongShares reports a threshold of shares that combined into a key
	// which does not open the stored root key. The attempt is reset.
	ErrWrongShares = errors.New("shamir: the shares do not combine into this server's unseal key")
	// ErrUnsealKeySize reports an unseal key that is not ledger.KeySize bytes.
	ErrUnsealKeySize = errors.New("shamir: unseal key has the wrong size")
)
