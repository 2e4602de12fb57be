package events

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// wholeMessage is the position that stands for "every event of the
// message": a cursor without a position.
const wholeMessage = math.MaxInt32

// Cursor is a position in the ledger: the index of a message and the
// position of an event inside it. A cursor names the last thing delivered;
// resuming delivers what comes strictly after it.
type Cursor struct {
	Seq uint64
	Pos int
}

// MessageCursor is the cursor after every event of message seq.
func MessageCursor(seq uint64) Cursor { return Cursor{Seq: seq, Pos: wholeMessage} }

// String formats "<seq>.<pos>", or "<seq>" for a whole message.
func (c Cursor) String() string {
	if c.Pos == wholeMessage {
		return strconv.FormatUint(c.Seq, 10)
	}
	return strconv.FormatUint(c.Seq, 10) + "." + strconv.Itoa(c.Pos)
}

// Before reports whether c comes strictly before d.
func (c Cursor) Before(d Cursor) bool {
	return c.Seq < d.Seq || (c.Seq == d.Seq && c.Pos < d.Pos)
}

// ParseCursor reads "<seq>" or "<seq>.<pos>".
func ParseCursor(s string) (Cursor, error) {
	s = strings.TrimSpace(s)
	seqText, posText, hasPos := strings.Cut(s, ".")
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: %q", ErrBadCursor, s)
	}
	if !hasPos {
		return MessageCursor(seq), nil
	}
	pos, err := strconv.Atoi(posText)
	if err != nil || pos < 0 || pos >= wholeMessage {
		return Cursor{}, fmt.Errorf("%w: %q", ErrBadCursor, s)
	}
	return Cursor{Seq: seq, Pos: pos}, nil
}
