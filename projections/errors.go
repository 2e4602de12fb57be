package projections

import "errors"

var (
	// ErrNotFound reports a key with no value.
	ErrNotFound = errors.New("projections: not found")
	// ErrStalled reports that the projector stopped on an event it could not
	// apply; reads are stale until it is fixed.
	ErrStalled = errors.New("projections: projector stalled")
	// ErrCorrupt reports a stored value that does not have its layout (or,
	// sealed, does not open).
	ErrCorrupt = errors.New("projections: corrupt value")
)
