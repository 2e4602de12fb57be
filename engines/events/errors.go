package events

import "errors"

var (
	// ErrBadCursor reports a Last-Event-ID, after or since value that is
	// neither an index, a cursor nor an RFC 3339 time.
	ErrBadCursor = errors.New("events: bad cursor")
	// ErrClosed reports a hub that was shut down (seal or node stop).
	ErrClosed = errors.New("events: hub closed")
	// ErrTooSlow reports a subscriber that fell behind its buffer.
	ErrTooSlow = errors.New("events: subscriber too slow")
	// ErrTokenInvalid reports a subscriber whose token was revoked or
	// expired mid-stream.
	ErrTokenInvalid = errors.New("events: token revoked or expired")
	// ErrUnsupportedPath reports a state-at path that names nothing the
	// ledger can reconstruct.
	ErrUnsupportedPath = errors.New("events: unsupported state-at path")
	// ErrBusy reports a state-at request while another one runs.
	ErrBusy = errors.New("events: a state-at replay is already running")
)
