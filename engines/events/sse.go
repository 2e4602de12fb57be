package events

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// writeTimeout bounds one write to a stream's client: a client that stops
// reading is cut off instead of holding its goroutine forever.
const writeTimeout = 30 * time.Second

// sseSink writes Server-Sent Events: "id: <cursor>", "event: <type>",
// "data: <CloudEvent JSON>". The final message is an "error" event whose
// data names the reason and the cursor to resume after.
type sseSink struct {
	w    *bufio.Writer
	rc   *http.ResponseController
	done <-chan struct{}
}

func newSSESink(w http.ResponseWriter, r *http.Request) *sseSink {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // proxies must not hold events back
	w.WriteHeader(http.StatusOK)
	s := &sseSink{w: bufio.NewWriter(w), rc: http.NewResponseController(w), done: r.Context().Done()}
	_, _ = s.w.WriteString(": subscribed\n\n")
	_ = s.flush()
	return s
}

func (s *sseSink) send(p *published, data []byte) error {
	s.w.WriteString("id: ")
	s.w.WriteString(p.cursor.String())
	s.w.WriteString("\nevent: ")
	s.w.WriteString(p.typ)
	s.w.WriteString("\ndata: ")
	s.w.Write(data) // compact JSON: no newline inside
	_, err := s.w.WriteString("\n\n")
	return err
}

func (s *sseSink) flush() error {
	_ = s.rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := s.w.Flush(); err != nil {
		return err
	}
	return s.rc.Flush()
}

// advance sends an id-only message: EventSource clients update their
// last event id without dispatching anything.
func (s *sseSink) advance(c Cursor) error {
	_, err := s.w.WriteString("id: " + c.String() + "\n\n")
	return err
}

func (s *sseSink) keepalive() error {
	_, err := s.w.WriteString(": keepalive\n\n")
	return err
}

func (s *sseSink) end(err error, resume Cursor) {
	body := endMessage(err, resume)
	raw, _ := json.Marshal(body)
	if resume != (Cursor{}) {
		s.w.WriteString("id: " + resume.String() + "\n")
	}
	s.w.WriteString("event: error\ndata: ")
	s.w.Write(raw)
	s.w.WriteString("\n\n")
	_ = s.flush()
}

func (s *sseSink) gone() <-chan struct{} { return s.done }

// endBody is the final message of a stream.
type endBody struct {
	Error string `json:"error"`
	// ResumeAfter is the cursor to send back as Last-Event-ID.
	ResumeAfter string `json:"resume_after,omitempty"`
}

func endMessage(err error, resume Cursor) endBody {
	b := endBody{Error: err.Error()}
	if resume != (Cursor{}) {
		b.ResumeAfter = resume.String()
	}
	switch {
	case errors.Is(err, ErrTooSlow):
		b.Error = "events: subscriber too slow: reconnect with Last-Event-ID " + b.ResumeAfter + " to resume without a gap"
	case errors.Is(err, ErrClosed):
		b.Error = "events: server shutting down or sealing: reconnect with Last-Event-ID " + b.ResumeAfter
	case errors.Is(err, ErrTokenInvalid):
	default:
		b.Error = "events: stream failed: " + err.Error()
	}
	return b
}
