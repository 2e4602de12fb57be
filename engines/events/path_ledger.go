package events

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/cofferhq/coffer/engines/framework"
)

// Replay page sizes.
const (
	defaultReplayLimit = 1000
	maxReplayLimit     = 10000
)

// ledgerPaths are sys/ledger/replay and sys/ledger/state-at. Both need
// sudo: reading the whole ledger is an auditor's power, as Vault's
// sys/audit is.
func (h *Hub) ledgerPaths() []*framework.Path {
	read := func(fn framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
		return map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: fn}
	}
	q := func(desc string) *framework.FieldSchema {
		return &framework.FieldSchema{Type: framework.TypeString, Query: true, Description: desc}
	}
	return []*framework.Path{
		{Pattern: `ledger/replay`, Sudo: true, Synopsis: "Replay the ledger: audit records and public events, filtered and paginated.", Fields: map[string]*framework.FieldSchema{
			"since": q("First ledger index or RFC 3339 time (inclusive)."),
			"until": q("Last ledger index or RFC 3339 time (inclusive)."),
			"after": q("Cursor of the last entry of the previous page."),
			"path":  q("Keep records whose path or data path starts with this."),
			"actor": q("Keep records of one token accessor (raw or HMAC'd)."),
			"type":  q("Glob over the public or ledger type."),
			"limit": {Type: framework.TypeInt, Query: true, Description: "Entries per page (default 1000, at most 10000)."},
		}, Operations: read(h.handleReplay)},
		{Pattern: `ledger/state-at`, Sudo: true, Synopsis: "Show an item (policy, token, lease, KV secret metadata) as it stood at a ledger index or time.", Fields: map[string]*framework.FieldSchema{
			"at":   q("Ledger index or RFC 3339 time."),
			"path": q("The item's path."),
		}, Operations: read(h.handleStateAt)},
	}
}

// sysPaths is the events and ledger family, merged into the sys/ mount.
func (h *Hub) sysPaths() *framework.Backend {
	return &framework.Backend{Paths: append(h.subscribePaths(), h.ledgerPaths()...)}
}

func (h *Hub) handleReplay(req *framework.Request) (*framework.Response, error) {
	ctx := req.Context()
	l := h.opts.Deps.Ledger
	last, err := l.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	q := ReplayQuery{From: 1, To: last, Limit: defaultReplayLimit}
	str := func(k string) string { return strings.TrimSpace(req.String(k)) }
	if s := str("since"); s != "" {
		pos, err := parsePosition(s)
		if err != nil {
			return nil, framework.BadRequest("%v", err)
		}
		if q.From, err = pos.firstIndex(ctx, l); err != nil {
			return nil, err
		}
	}
	if s := str("until"); s != "" {
		pos, err := parsePosition(s)
		if err != nil {
			return nil, framework.BadRequest("%v", err)
		}
		until, err := pos.lastIndex(ctx, l)
		if err != nil {
			return nil, err
		}
		q.To = min(until, last)
	}
	if s := str("after"); s != "" {
		c, err := ParseCursor(s)
		if err != nil {
			return nil, framework.BadRequest("%v", err)
		}
		q.After = &c
	}
	q.PathPrefix = strings.TrimPrefix(str("path"), "/")
	q.Actor, q.Type = str("actor"), str("type")
	if n, ok := req.IntOk("limit"); ok {
		if n <= 0 || n > maxReplayLimit {
			return nil, framework.BadRequest("events: limit must be between 1 and %d", maxReplayLimit)
		}
		q.Limit = n
	}
	page, err := h.Replay(ctx, q)
	if err != nil {
		return nil, err
	}
	return rawEnvelope(req, page)
}

// rawEnvelope answers in Vault's envelope but as a raw body: the gateway
// would otherwise copy the whole page, HMAC'd, into the ledger as the
// response's audit record — a second copy of the ledger per audit query,
// with nothing in it the ledger does not already hold. The request itself
// is audited as usual.
func rawEnvelope(req *framework.Request, data any) (*framework.Response, error) {
	body, err := json.Marshal(map[string]any{
		"request_id": req.ID, "lease_id": "", "renewable": false, "lease_duration": 0,
		"data": data, "wrap_info": nil, "warnings": nil, "auth": nil, "mount_type": "system",
	})
	if err != nil {
		return nil, err
	}
	return &framework.Response{Raw: body, RawContentType: "application/json", StatusCode: http.StatusOK}, nil
}

// stateError maps state-at failures to Vault's shapes.
func stateError(err error) error {
	switch {
	case errors.Is(err, ErrUnsupportedPath), errors.Is(err, ErrBadCursor):
		return framework.BadRequest("%v", err)
	case errors.Is(err, ErrBusy):
		return framework.Errorf(http.StatusTooManyRequests, "%v", err)
	}
	return err
}
