package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
)

// sink is a transport: SSE or WebSocket.
type sink interface {
	// send writes one event (buffered until flush): data is the view of
	// p the subscriber may see.
	send(p *published, data []byte) error
	flush() error
	// advance tells the client everything up to c is settled, without an
	// event (SSE: an id-only message; WebSocket: nothing).
	advance(c Cursor) error
	keepalive() error
	// end writes the final message: why the stream ends and where to
	// resume.
	end(err error, resume Cursor)
	// gone is closed when the client went away.
	gone() <-chan struct{}
}

// session is one subscription being served.
type session struct {
	hub      *Hub
	token    string
	accessor string
	typeGlob string
	prefix   string
	// resume, when set, is the cursor to deliver strictly after: the past
	// is read from the ledger first (since= or Last-Event-ID).
	resume *Cursor
	sink   sink

	auth *framework.Caller
	acl  *acl.ACL
	// raw: the subscriber is root or has sudo on its subscription path,
	// and sees lease ids and accessors as they are; everyone else sees
	// their HMAC (issue 10, items 6 and 7).
	raw     bool
	revoked <-chan struct{}
	// sub and s0 are the hub registration, made before the response
	// headers go out (register), so an event committed after the client
	// saw 200 is never missed.
	sub *subscriber
	s0  uint64
	// settled is the cursor up to which every event has been delivered or
	// filtered out; told is the last cursor the client was given.
	settled, told Cursor
	unflushed     bool
}

// run serves the subscription until the client leaves, the token dies,
// the subscriber falls behind or the hub closes.
// register subscribes the session to the hub. The caller must run or
// cancel the session once registered.
func (s *session) register() error {
	if s.sub != nil {
		return nil
	}
	sub, s0, err := s.hub.subscribe(s.typeGlob, s.prefix, s.accessor)
	if err != nil {
		return err
	}
	s.sub, s.s0 = sub, s0
	return nil
}

// cancel drops a registration whose stream never started.
func (s *session) cancel() {
	if s.sub != nil {
		s.hub.unsubscribe(s.sub)
	}
}

func (s *session) run(ctx context.Context) {
	if err := s.register(); err != nil {
		s.sink.end(err, Cursor{})
		return
	}
	sub, s0 := s.sub, s.s0
	defer s.hub.unsubscribe(sub)
	s.revoked = sub.revoked
	// Resolved after subscribing: a revocation between the gateway's
	// check and here is either seen now or signalled by the hub.
	if err := s.authorize(ctx); err != nil {
		s.sink.end(err, Cursor{})
		return
	}
	live := MessageCursor(s0)
	if s.resume != nil {
		s.settled, s.told = *s.resume, *s.resume
		if err := s.replay(ctx, s0); err != nil {
			s.finish(err)
			return
		}
	}
	if s.settled.Before(live) {
		s.settled = live
	}
	if err := s.tell(); err != nil {
		return
	}
	s.loop(ctx, sub)
}

func (s *session) loop(ctx context.Context, sub *subscriber) {
	recheck := time.NewTicker(s.hub.opts.Recheck)
	defer recheck.Stop()
	keep := time.NewTicker(s.hub.opts.Keepalive)
	defer keep.Stop()
	for {
		select {
		case batch := <-sub.ch:
			// Whatever else is queued goes out with it, in one flush.
			err := s.deliver(ctx, batch)
			if err == nil {
				err = s.drain(ctx, sub)
			}
			if err != nil {
				s.finish(err)
				return
			}
		case <-sub.lost:
			// Deliver what reached the mailbox before the drop, then say
			// where to resume: nothing after it was lost silently.
			if err := s.drain(ctx, sub); err != nil {
				s.finish(err)
				return
			}
			s.finish(ErrTooSlow)
			return
		case <-sub.revoked:
			s.finish(ErrTokenInvalid)
			return
		case <-recheck.C:
			if err := s.authorize(ctx); err != nil {
				s.finish(err)
				return
			}
		case <-keep.C:
			if err := s.keepalive(sub); err != nil {
				return
			}
		case <-s.hub.closed:
			s.finish(ErrClosed)
			return
		case <-s.sink.gone():
			return
		case <-ctx.Done():
			return
		}
	}
}

// drain delivers every batch already queued, then flushes.
func (s *session) drain(ctx context.Context, sub *subscriber) error {
	for {
		select {
		case batch := <-sub.ch:
			if err := s.deliver(ctx, batch); err != nil {
				return err
			}
		default:
			return s.flush()
		}
	}
}

func (s *session) flush() error {
	if !s.unflushed {
		return nil
	}
	s.unflushed = false
	return s.sink.flush()
}

// replay delivers the past, from the resume cursor to s0, from the ledger.
func (s *session) replay(ctx context.Context, s0 uint64) error {
	from := s.settled.Seq
	if s.settled.Pos == wholeMessage {
		from++
	}
	m := newMapper(s.hub.source, s.hub.mounts, s.hub.maps, s.hub.opts.Deps)
	return readRange(ctx, s.hub.opts.Deps.Ledger, from, s0, func(msg ledger.Message, recs []ledger.Record) error {
		var batch []*published
		for i := range recs {
			if p := m.mapRecord(&recs[i]); p != nil {
				batch = append(batch, p)
			}
		}
		if err := s.deliver(ctx, batch); err != nil {
			return err
		}
		if err := s.flush(); err != nil {
			return err
		}
		if c := MessageCursor(msg.Seq); s.settled.Before(c) {
			s.settled = c
		}
		select {
		case <-s.hub.closed:
			return ErrClosed
		case <-s.sink.gone():
			return context.Canceled
		default:
			return nil
		}
	})
}

// deliver writes the events of one message the subscriber may see (flush
// sends them). The token is checked before anything is written.
func (s *session) deliver(ctx context.Context, batch []*published) error {
	checked := false
	for _, p := range batch {
		if !s.settled.Before(p.cursor) {
			continue // already delivered before a resume or replay seam
		}
		if matchGlob(s.typeGlob, p.typ) && p.matchesPrefix(s.prefix) {
			if !checked {
				// Before settling anything: a dead token's stream must end
				// with a resume cursor that has skipped nothing.
				if err := s.check(ctx); err != nil {
					return err
				}
				checked = true
			}
			if s.allowed(p) {
				// A token's own lease ids and accessor are no secret to
				// it: the agent matches its lease's events by id.
				own := p.owner != "" && p.owner == s.accessor
				if err := s.sink.send(p, p.view(s.raw || own)); err != nil {
					return err
				}
				s.told, s.unflushed = p.cursor, true
			}
		}
		s.settled = p.cursor
	}
	if len(batch) > 0 {
		if c := MessageCursor(batch[0].cursor.Seq); s.settled.Before(c) {
			s.settled = c
		}
	}
	return nil
}

// authorize resolves the token again (a pebble read), so a revoked or
// expired token ends the stream even if its revocation was missed; it
// runs at subscription and periodically.
func (s *session) authorize(ctx context.Context) error {
	auth, err := s.hub.opts.Resolve(ctx, s.token)
	if err != nil {
		if errors.Is(err, framework.ErrPermissionDenied) {
			return ErrTokenInvalid
		}
		return fmt.Errorf("events: resolve token: %w", err)
	}
	s.auth = auth
	return s.refreshACL()
}

// check is the per-event check, O(1): the hub has not seen the token
// revoked and its deadline has not passed (past it, the token is resolved
// again, as it may have been renewed). The ACL comes from the policy
// cache, so a changed policy applies to the next event.
func (s *session) check(ctx context.Context) error {
	select {
	case <-s.revoked:
		return ErrTokenInvalid
	default:
	}
	if d := s.auth.ExpireTime; !d.IsZero() && !time.Now().Before(d) {
		return s.authorize(ctx)
	}
	return s.refreshACL()
}

func (s *session) refreshACL() error {
	if s.auth.IsRoot {
		s.acl, s.raw = acl.NewRoot(), true
		return nil
	}
	a, err := s.hub.opts.ACL(s.auth.Policies)
	if err != nil {
		return fmt.Errorf("events: compile ACL: %w", err)
	}
	s.acl = a
	s.raw = a.Check(SubscribePath(s.typeGlob), acl.OpRead).Sudo
	return nil
}

// SubscribePath is the API path of a subscription to typeGlob: sudo on
// it shows lease ids and accessors unhashed.
func SubscribePath(typeGlob string) string { return "sys/events/subscribe/" + typeGlob }

// allowed decides, server-side, what the subscriber receives: the events
// of paths its policies let it read (or subscribe to), and the events of
// its own leases and token whatever their path (framework.PublicEvent
// .Owner), so an agent holding myapp-policy follows its database lease.
func (s *session) allowed(p *published) bool {
	if p.owner != "" && p.owner == s.accessor {
		return true
	}
	return s.acl.Check(p.dataPath, acl.OpSubscribe).Allowed || s.acl.Check(p.dataPath, acl.OpRead).Allowed
}

// tell advances the client's cursor to settled when it lags.
func (s *session) tell() error {
	if !s.told.Before(s.settled) {
		return nil
	}
	if err := s.sink.advance(s.settled); err != nil {
		return err
	}
	s.told = s.settled
	return s.sink.flush()
}

func (s *session) keepalive(sub *subscriber) error {
	if last, ok := s.hub.caughtUp(sub); ok {
		if c := MessageCursor(last); s.settled.Before(c) {
			s.settled = c
		}
	}
	if s.told.Before(s.settled) {
		return s.tell()
	}
	if err := s.sink.keepalive(); err != nil {
		return err
	}
	return s.sink.flush()
}

// finish ends the stream with its reason and the cursor to resume after.
func (s *session) finish(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.sink.end(err, s.settled)
}
