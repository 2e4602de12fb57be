package eventscmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Reconnect backoff bounds.
const (
	minBackoff = 250 * time.Millisecond
	maxBackoff = 5 * time.Second
)

var (
	// errLimit ends a subscription that printed as many events as asked.
	errLimit = errors.New("eventscmd: event limit reached")
	// ErrStreamEnded reports a stream the server ended for good (a revoked
	// or expired token).
	ErrStreamEnded = errors.New("eventscmd: stream ended by the server")
)

type subscribeFlags struct {
	conn       connection
	format     string
	since      string
	pathPrefix string
	limit      int
}

func (a *app) subscribeCmd() *cobra.Command {
	f := &subscribeFlags{}
	cmd := &cobra.Command{
		Use:   "subscribe [flags] TYPE",
		Short: "Print events of TYPE (globs allowed: 'kv-v2/*', '*') as they happen",
		Long: `Subscribes to sys/events/subscribe/TYPE as Server-Sent Events and prints
one line per event. -since starts in the past (a ledger index or an RFC 3339
time). A dropped connection is resumed from the last event seen, without a
gap or a repeat.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.format != "table" && f.format != "json" {
				return fmt.Errorf("invalid format %q: use table or json", f.format)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return a.report(cmd, a.subscribe(ctx, f, args[0]))
		},
	}
	f.conn.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&f.format, "format", "table", `Output: "table" (one line per event) or "json" (one CloudEvent per line)`)
	cmd.Flags().StringVar(&f.since, "since", "", "Start at this ledger index or RFC 3339 time, then follow live")
	cmd.Flags().StringVar(&f.pathPrefix, "path-prefix", "", "Only events whose path or data path starts with this")
	cmd.Flags().IntVar(&f.limit, "limit", 0, "Exit after this many events (0: until interrupted)")
	return cmd
}

// stream is one subscription across reconnects.
type stream struct {
	c       *client
	typ     string
	f       *subscribeFlags
	out     io.Writer
	errOut  io.Writer
	lastID  string
	printed int
}

func (a *app) subscribe(ctx context.Context, f *subscribeFlags, typ string) error {
	c, err := f.conn.client()
	if err != nil {
		return err
	}
	s := &stream{c: c, typ: typ, f: f, out: a.stdout, errOut: a.stderr}
	backoff := minBackoff
	for {
		progressed, err := s.once(ctx)
		switch {
		case ctx.Err() != nil, errors.Is(err, errLimit):
			return nil
		case errors.Is(err, ErrStreamEnded):
			return err
		}
		var se *statusError
		if errors.As(err, &se) && se.status/100 == 4 {
			return err
		}
		if progressed {
			backoff = minBackoff
		}
		where := "from the start"
		if s.lastID != "" {
			where = "after " + s.lastID
		}
		fmt.Fprintf(s.errOut, "events: %v; reconnecting %s in %s\n", err, where, backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// once runs one connection until it ends. progressed reports whether the
// server accepted the subscription (so the backoff can start over).
func (s *stream) once(ctx context.Context) (progressed bool, err error) {
	q := url.Values{}
	if s.f.pathPrefix != "" {
		q.Set("path_prefix", s.f.pathPrefix)
	}
	if s.lastID == "" && s.f.since != "" {
		q.Set("since", s.f.since)
	}
	req, err := s.c.newRequest("sys/events/subscribe/"+s.typ, q)
	if err != nil {
		return false, err
	}
	req = req.WithContext(ctx)
	req.Header.Set("Accept", "text/event-stream")
	if s.lastID != "" {
		req.Header.Set("Last-Event-ID", s.lastID)
	}
	resp, err := s.c.http.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return false, serverError(resp.StatusCode, body)
	}
	return true, s.read(resp.Body)
}

// sseMessage is one Server-Sent Events message.
type sseMessage struct {
	id, event, data string
}

// read dispatches messages until the stream ends. An id-only message moves
// the cursor (the server settles filtered-out stretches that way).
func (s *stream) read(body io.Reader) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var m sseMessage
	seen := false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if seen {
				if err := s.dispatch(m); err != nil {
					return err
				}
			}
			m, seen = sseMessage{}, false
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "": // comment
		case "id":
			m.id, seen = value, true
		case "event":
			m.event, seen = value, true
		case "data":
			if m.data != "" {
				m.data += "\n"
			}
			m.data, seen = m.data+value, true
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}

// endBody is the server's final message.
type endBody struct {
	Error       string `json:"error"`
	ResumeAfter string `json:"resume_after"`
}

func (s *stream) dispatch(m sseMessage) error {
	if m.id != "" {
		s.lastID = m.id
	}
	switch {
	case m.event == "error":
		var e endBody
		_ = json.Unmarshal([]byte(m.data), &e)
		if e.ResumeAfter != "" {
			s.lastID = e.ResumeAfter
		}
		if strings.Contains(e.Error, "token revoked or expired") {
			return fmt.Errorf("%w: %s", ErrStreamEnded, e.Error)
		}
		return fmt.Errorf("server ended the stream: %s", e.Error)
	case m.event == "" || m.data == "":
		return nil
	}
	if err := s.print(m); err != nil {
		return err
	}
	s.printed++
	if s.f.limit > 0 && s.printed >= s.f.limit {
		return errLimit
	}
	return nil
}

// cloudEvent is the part of an event the table line shows.
type cloudEvent struct {
	Time time.Time `json:"time"`
	Type string    `json:"type"`
	Data struct {
		Event struct {
			Metadata map[string]string `json:"metadata"`
		} `json:"event"`
		Cursor string `json:"cursor"`
		Actor  string `json:"actor"`
	} `json:"data"`
}

func (s *stream) print(m sseMessage) error {
	if s.f.format == "json" {
		_, err := fmt.Fprintln(s.out, m.data)
		return err
	}
	var ev cloudEvent
	if err := json.Unmarshal([]byte(m.data), &ev); err != nil {
		return fmt.Errorf("eventscmd: undecodable event %s: %w", m.id, err)
	}
	_, err := fmt.Fprintln(s.out, eventLine(ev))
	return err
}

// eventLine is one human-readable line: cursor, time, type, path, then
// the rest of the metadata and the actor.
func eventLine(ev cloudEvent) string {
	md := ev.Data.Event.Metadata
	parts := []string{ev.Data.Cursor, ev.Time.UTC().Format(time.RFC3339), ev.Type, md["path"]}
	var extra []string
	for k, v := range md {
		switch k {
		case "path", "operation", "modified":
			continue
		case "data_path":
			if v == md["path"] {
				continue
			}
		}
		extra = append(extra, k+"="+v)
	}
	sort.Strings(extra)
	parts = append(parts, extra...)
	if ev.Data.Actor != "" {
		parts = append(parts, "actor="+ev.Data.Actor)
	}
	return strings.Join(parts, "  ")
}
