package events

import (
	"errors"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
)

// handleStateAt answers sys/ledger/state-at?at=<index|RFC 3339>&path=...
func (h *Hub) handleStateAt(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	l := h.opts.Deps.Ledger
	at := req.String("at")
	path := req.String("path")
	path = strings.Trim(strings.TrimSpace(path), "/")
	if strings.TrimSpace(at) == "" || path == "" {
		return nil, framework.BadRequest("events: state-at needs at (ledger index or RFC 3339 time) and path")
	}
	pos, err := parsePosition(at)
	if err != nil {
		return nil, framework.BadRequest("%v", err)
	}
	last, err := l.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	index, err := pos.lastIndex(ctx, l)
	if err != nil {
		return nil, err
	}
	if index > last {
		return nil, framework.BadRequest("events: index %d is beyond the ledger's last index %d", index, last)
	}
	var data map[string]any
	err = h.withStateAt(ctx, index, func(sv *framework.StateView) error {
		var err error
		if data, err = h.describe(sv, path); err != nil {
			return err
		}
		data["at_index"] = index
		if !sv.At.IsZero() {
			data["at_time"] = sv.At.UTC().Format(time.RFC3339Nano)
		}
		data["path"] = path
		return nil
	})
	if errors.Is(err, framework.ErrNotFound) {
		return nil, framework.ErrNotFound
	}
	if err != nil {
		return nil, stateError(err)
	}
	return &framework.Response{Data: data}, nil
}
