package events

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/backoff"
)

// Event is the part of a Coffer event the agent acts on. It never holds a
// secret value: the server's events carry none.
type Event struct {
	Cursor   string
	Type     string // e.g. kv-v2/data-write, lease/revoked
	Path     string
	DataPath string
	LeaseID  string
}

// State is the stream's condition.
type State int

// States a stream reports.
const (
	Disconnected State = iota
	Connected
	Unavailable
	TokenInvalid
)

func (s State) String() string {
	return [...]string{"disconnected", "connected", "unavailable", "token-invalid"}[s]
}

// Status is a state change. Resumed tells, for Connected, whether the
// stream continued from a cursor (nothing was missed) or started live
// (whatever happened before is unknown to it). Token is the token the
// stream used, for TokenInvalid.
type Status struct {
	State   State
	Resumed bool
	Token   string
	Err     error
}

// Stream is one subscription across reconnects.
type Stream struct {
	HTTP    *http.Client
	Address string // the server's base URL
	// Token returns the token to subscribe with; it is read on every
	// connect, so a new login is picked up by the next connection.
	Token func() string
	// Events receives every event, in order; Status every state change.
	Events chan<- Event
	Status chan<- Status
	// RetryUnavailable is how long to wait before trying an endpoint that
	// answered 403/404 again (the polling interval).
	RetryUnavailable time.Duration
	// Idle is how long a connection may stay silent before it is
	// considered dead (the server sends a keepalive every 15 s).
	Idle time.Duration
	Log  *slog.Logger

	mu     sync.Mutex
	lastID string
	wake   chan struct{}
	// hangUp ends the current connection (Reconnect).
	hangUp context.CancelFunc
}

// errUnavailable marks answers that mean "no subscription for you".
var errUnavailable = errors.New("events: subscription unavailable")

// errTokenInvalid marks the server's end-of-stream for a dead token.
var errTokenInvalid = errors.New("events: token revoked or expired")

// Cursor is the last cursor seen ("" before any).
func (s *Stream) Cursor() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastID
}

// Retry wakes a stream waiting after Unavailable or TokenInvalid (a new
// token arrived).
func (s *Stream) Retry() {
	s.mu.Lock()
	w := s.wake
	s.mu.Unlock()
	if w == nil {
		return
	}
	select {
	case w <- struct{}{}:
	default:
	}
}

// Reconnect ends the current connection, if any, and connects again at
// once with the current token, resuming from the last cursor: what a new
// login calls.
func (s *Stream) Reconnect() {
	s.mu.Lock()
	hang := s.hangUp
	s.mu.Unlock()
	if hang != nil {
		hang()
	}
	s.Retry()
}

// Run follows the stream until ctx ends.
func (s *Stream) Run(ctx context.Context) {
	s.mu.Lock()
	s.wake = make(chan struct{}, 1)
	s.mu.Unlock()
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Idle <= 0 {
		s.Idle = 45 * time.Second
	}
	bo := backoff.New(250*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		token := s.Token()
		connected, err := s.once(ctx, token)
		if ctx.Err() != nil {
			return
		}
		if connected {
			bo.Reset()
		}
		var wait time.Duration
		switch {
		case errors.Is(err, errUnavailable):
			s.report(ctx, Status{State: Unavailable, Err: err})
			wait = s.RetryUnavailable
		case errors.Is(err, errTokenInvalid):
			s.report(ctx, Status{State: TokenInvalid, Token: token, Err: err})
			wait = bo.Next()
		default:
			s.report(ctx, Status{State: Disconnected, Err: err})
			wait = bo.Next()
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

func (s *Stream) report(ctx context.Context, st Status) {
	select {
	case s.Status <- st:
	case <-ctx.Done():
	}
}

// once runs one connection until it ends; connected reports whether the
// server accepted it.
func (s *Stream) once(ctx context.Context, token string) (connected bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.hangUp = cancel
	s.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(s.Address, "/")+"/v1/sys/events/subscribe/*", nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	resumed := false
	if id := s.Cursor(); id != "" {
		req.Header.Set("Last-Event-ID", id)
		resumed = true
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream"):
	case resp.StatusCode == http.StatusForbidden, resp.StatusCode == http.StatusNotFound,
		resp.StatusCode == http.StatusMethodNotAllowed, resp.StatusCode == http.StatusBadRequest,
		resp.StatusCode == http.StatusNotImplemented, resp.StatusCode == http.StatusOK:
		return false, fmt.Errorf("%w: %s", errUnavailable, statusText(resp))
	default:
		return false, fmt.Errorf("events: subscribe: %s", statusText(resp))
	}
	s.report(ctx, Status{State: Connected, Resumed: resumed})
	// A silent connection is a dead one: the server sends keepalives.
	idle := time.AfterFunc(s.Idle, cancel)
	defer idle.Stop()
	return true, s.read(ctx, resp.Body, func() { idle.Reset(s.Idle) })
}

func statusText(resp *http.Response) string {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	var e struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Errors) > 0 {
		return fmt.Sprintf("%d %s", resp.StatusCode, strings.Join(e.Errors, "; "))
	}
	return resp.Status
}

// read dispatches SSE messages until the stream ends.
func (s *Stream) read(ctx context.Context, body io.Reader, alive func()) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var id, event, data string
	seen := false
	for sc.Scan() {
		alive()
		line := sc.Text()
		if line == "" {
			if seen {
				if err := s.dispatch(ctx, id, event, data); err != nil {
					return err
				}
			}
			id, event, data, seen = "", "", "", false
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "": // comment: keepalive
		case "id":
			id, seen = value, true
		case "event":
			event, seen = value, true
		case "data":
			if data != "" {
				data += "\n"
			}
			data, seen = data+value, true
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}

// wireEvent is the part of Coffer's CloudEvent the agent reads.
type wireEvent struct {
	Type string `json:"type"`
	Data struct {
		Event struct {
			Metadata map[string]string `json:"metadata"`
		} `json:"event"`
		Cursor string `json:"cursor"`
	} `json:"data"`
}

func (s *Stream) dispatch(ctx context.Context, id, event, data string) error {
	if id != "" {
		s.mu.Lock()
		s.lastID = id
		s.mu.Unlock()
	}
	switch {
	case event == "error":
		var end struct {
			Error       string `json:"error"`
			ResumeAfter string `json:"resume_after"`
		}
		_ = json.Unmarshal([]byte(data), &end)
		if end.ResumeAfter != "" {
			s.mu.Lock()
			s.lastID = end.ResumeAfter
			s.mu.Unlock()
		}
		if strings.Contains(end.Error, "token revoked or expired") {
			return errTokenInvalid
		}
		return fmt.Errorf("events: server ended the stream: %s", end.Error)
	case data == "":
		return nil
	}
	var w wireEvent
	if err := json.Unmarshal([]byte(data), &w); err != nil {
		s.Log.Warn("events: undecodable event skipped", "id", id, "error", err)
		return nil
	}
	md := w.Data.Event.Metadata
	ev := Event{Cursor: id, Type: w.Type, Path: md["path"], DataPath: md["data_path"], LeaseID: md["lease_id"]}
	if ev.Type == "" {
		ev.Type = event
	}
	select {
	case s.Events <- ev:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
