package events

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// wsSink writes one CloudEvents JSON text message per event, as Vault
// does with json=true (Coffer always sends JSON). The stream's end is a
// close frame whose reason names the cursor to resume after.
type wsSink struct {
	conn *websocket.Conn
	ctx  context.Context // ends when the peer closes or goes away
}

func newWSSink(w http.ResponseWriter, r *http.Request) (*wsSink, error) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return nil, err
	}
	// Subscribers only listen; CloseRead answers pings and close frames
	// and tells us when the peer is gone.
	ctx := conn.CloseRead(context.Background())
	return &wsSink{conn: conn, ctx: ctx}, nil
}

func (s *wsSink) send(p *published, data []byte) error {
	ctx, cancel := context.WithTimeout(s.ctx, writeTimeout)
	defer cancel()
	return s.conn.Write(ctx, websocket.MessageText, data)
}

func (s *wsSink) flush() error { return nil }

func (s *wsSink) advance(Cursor) error { return nil }

func (s *wsSink) keepalive() error {
	ctx, cancel := context.WithTimeout(s.ctx, writeTimeout)
	defer cancel()
	return s.conn.Ping(ctx)
}

func (s *wsSink) end(err error, resume Cursor) {
	code := websocket.StatusInternalError
	switch {
	case errors.Is(err, ErrTokenInvalid):
		code = websocket.StatusPolicyViolation
	case errors.Is(err, ErrTooSlow):
		code = websocket.StatusTryAgainLater
	case errors.Is(err, ErrClosed):
		code = websocket.StatusGoingAway
	}
	reason := endMessage(err, resume).Error
	if len(reason) > 120 { // a close reason must fit a control frame
		reason = reason[:120]
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.conn.Close(code, reason)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.conn.CloseNow()
	}
}

func (s *wsSink) gone() <-chan struct{} { return s.ctx.Done() }
