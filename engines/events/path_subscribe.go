package events

import (
	"net/http"
	"strings"

	"github.com/cofferhq/coffer/engines/framework"
)

func (h *Hub) subscribePaths() []*framework.Path {
	q := func(desc string) *framework.FieldSchema {
		return &framework.FieldSchema{Type: framework.TypeString, Query: true, Description: desc}
	}
	return []*framework.Path{
		// Any valid token may subscribe: the session sends it only the
		// events of paths it may read and of its own leases and token
		// (issue 14), so no separate grant on this path is needed.
		{Pattern: `events/subscribe/(?P<type>.+)`, AnyToken: true, Synopsis: "Subscribe to events (Server-Sent Events or WebSocket).", Fields: map[string]*framework.FieldSchema{
			"type":          q("Event type glob (\"kv-v2/*\", \"*\")."),
			"path_prefix":   q("Keep events whose path or data path starts with this."),
			"last_event_id": q("Resume strictly after this cursor (for clients that cannot set Last-Event-ID)."),
			"since":         q("Start at a ledger index or RFC 3339 time (inclusive)."),
			"json":          q("Accepted for compatibility: messages are always CloudEvents JSON."),
			"namespaces":    q("Accepted for compatibility: Coffer has one namespace."),
			"filter":        q("Accepted for compatibility: not applied."),
		}, Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation: h.handleSubscribe,
		}},
	}
}

// handleSubscribe validates the subscription and hands the connection to
// a session once the gateway has audited the request.
func (h *Hub) handleSubscribe(req *framework.Request) (*framework.Response, error) {
	if req.Auth == nil || req.Auth.ClientToken == "" {
		return nil, framework.ErrPermissionDenied
	}
	sse := strings.Contains(req.Headers.Get("Accept"), "text/event-stream")
	if !sse && !isWebSocket(req.Headers) {
		return nil, framework.BadRequest("events: subscribe with a WebSocket or with Accept: text/event-stream")
	}
	q := req.Query
	s := &session{hub: h, token: req.Auth.ClientToken, accessor: req.Auth.Accessor, typeGlob: req.Vars["type"], prefix: strings.TrimPrefix(q.Get("path_prefix"), "/")}
	resume, err := h.resumeCursor(req, firstNonEmpty(req.Headers.Get("Last-Event-ID"), q.Get("last_event_id")), q.Get("since"))
	if err != nil {
		return nil, err
	}
	s.resume = resume
	return &framework.Response{Stream: func(w http.ResponseWriter, r *http.Request) {
		// Registered before the headers go out: a client that has seen
		// 200 (or the WebSocket upgrade) misses no later event.
		if err := s.register(); err != nil {
			status, msgs := framework.StatusOf(err)
			http.Error(w, strings.Join(msgs, "; "), status)
			return
		}
		if sse {
			s.sink = newSSESink(w, r)
			s.run(r.Context())
			return
		}
		ws, err := newWSSink(w, r)
		if err != nil {
			s.cancel()
			return // Accept has answered the client
		}
		defer ws.conn.CloseNow()
		s.sink = ws
		s.run(r.Context())
	}}, nil
}

// resumeCursor turns Last-Event-ID (resume strictly after a cursor) or
// since (start at an index or time, inclusive) into the cursor to deliver
// after; nil means live only. Last-Event-ID wins: it is what a reconnect
// carries.
func (h *Hub) resumeCursor(req *framework.Request, lastEventID, since string) (*Cursor, error) {
	if lastEventID != "" {
		c, err := ParseCursor(lastEventID)
		if err != nil {
			return nil, framework.BadRequest("%v", err)
		}
		return &c, nil
	}
	if since == "" {
		return nil, nil
	}
	pos, err := parsePosition(since)
	if err != nil {
		return nil, framework.BadRequest("%v", err)
	}
	first, err := pos.firstIndex(req.Context(), h.opts.Deps.Ledger)
	if err != nil {
		return nil, err
	}
	c := MessageCursor(first - 1)
	return &c, nil
}

func isWebSocket(h http.Header) bool {
	return strings.EqualFold(h.Get("Upgrade"), "websocket")
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
