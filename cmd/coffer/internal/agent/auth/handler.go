package auth

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/backoff"
	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/sink"
)

// Token is what a login produced.
type Token struct {
	Token     string
	Accessor  string
	TTL       time.Duration // 0: never expires (a root token)
	Renewable bool
	Policies  []string
	// Obtained is when the login answered; TTL counts from it.
	Obtained time.Time
}

// Handler runs auto-auth.
type Handler struct {
	Method Method
	// Client reaches the server; it carries no token (logins are
	// unauthenticated) and is cloned for renewals.
	Client     *vault.Client
	Sinks      []config.Sink
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// ExitOnErr makes a failed login fatal instead of retried.
	ExitOnErr bool
	Log       *slog.Logger
	// OnToken is called with every new token, after the sinks hold it.
	OnToken func(Token)

	once    sync.Once
	invalid chan string
	mu      sync.Mutex
	current string
}

func (h *Handler) init() {
	h.once.Do(func() {
		h.invalid = make(chan string, 1)
		if h.Log == nil {
			h.Log = slog.Default()
		}
	})
}

// Invalidate reports that the server refused token (a 403, or an event
// stream ended because the token was revoked). The handler logs in again
// if token is still the current one; reports about older tokens are
// ignored, so many requests failing at once cause one login.
func (h *Handler) Invalidate(token string) {
	h.init()
	h.mu.Lock()
	cur := h.current
	h.mu.Unlock()
	if token != cur {
		return
	}
	select {
	case h.invalid <- token:
	default:
	}
}

// Current is the token in force ("" before the first login).
func (h *Handler) Current() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.current
}

// Run logs in and keeps a valid token until ctx ends. With once it
// returns after the first successful login (exit_after_auth). It returns
// an error only when a login failed and ExitOnErr is set, or a sink could
// not be written in once mode.
func (h *Handler) Run(ctx context.Context, once bool) error {
	h.init()
	bo := backoff.New(h.MinBackoff, h.MaxBackoff)
	for {
		tok, err := h.login(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if h.ExitOnErr {
				return err
			}
			d := bo.Next()
			h.Log.Warn("auto-auth: login failed; retrying", "error", err, "backoff", d.Round(time.Millisecond))
			if !backoff.Sleep(ctx, d) {
				return ctx.Err()
			}
			continue
		}
		bo.Reset()
		if err := sink.Write(h.Sinks, tok.Token); err != nil {
			h.Log.Error("auto-auth: writing the token to a sink failed", "error", err)
			if once {
				return err
			}
		}
		h.mu.Lock()
		h.current = tok.Token
		h.mu.Unlock()
		h.Log.Info("auto-auth: authenticated", "ttl", tok.TTL, "renewable", tok.Renewable)
		if h.OnToken != nil {
			h.OnToken(tok)
		}
		if once {
			return nil
		}
		h.keep(ctx, tok)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func (h *Handler) login(ctx context.Context) (Token, error) {
	s, err := h.Method.Login(ctx, h.Client)
	if err != nil {
		return Token{}, err
	}
	if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
		return Token{}, ErrNoAuth
	}
	return Token{
		Token:     s.Auth.ClientToken,
		Accessor:  s.Auth.Accessor,
		TTL:       time.Duration(s.Auth.LeaseDuration) * time.Second,
		Renewable: s.Auth.Renewable,
		Policies:  s.Auth.Policies,
		Obtained:  time.Now(),
	}, nil
}

// keep holds tok until a new login is due: renewal refused or no longer
// extending it, the end of its life, or Invalidate.
func (h *Handler) keep(ctx context.Context, tok Token) {
	expire := tok.Obtained.Add(tok.TTL)
	grace := graceOf(tok.TTL)
	renewable := tok.Renewable
	var rc *vault.Client
	if renewable {
		c, err := h.Client.Clone()
		if err != nil {
			renewable = false
		} else {
			c.SetToken(tok.Token)
			rc = c
		}
	}
	bo := backoff.New(time.Second, 30*time.Second)
	for {
		woke, refused := h.wait(ctx, tok, expire, grace, renewable)
		if refused {
			h.Log.Warn("auto-auth: the token was refused by the server; logging in again")
			return
		}
		if ctx.Err() != nil || (woke && !renewable) {
			return
		}
		if !woke {
			continue
		}
		s, err := rc.Auth().Token().RenewSelfWithContext(ctx, 0)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			switch status(err) {
			case http.StatusForbidden:
				h.Log.Warn("auto-auth: renewal refused (token revoked or expired); logging in again")
				return
			case http.StatusBadRequest:
				h.Log.Warn("auto-auth: token cannot be renewed; logging in again before it expires", "error", err)
				renewable = false
				continue
			}
			if time.Until(expire) <= grace {
				return
			}
			d := bo.Next()
			h.Log.Warn("auto-auth: renewal failed; retrying", "error", err, "backoff", d.Round(time.Millisecond))
			if !backoff.Sleep(ctx, min(d, time.Until(expire)-grace)) {
				return
			}
			continue
		}
		bo.Reset()
		if s == nil || s.Auth == nil {
			renewable = false
			continue
		}
		ttl := time.Duration(s.Auth.LeaseDuration) * time.Second
		expire = time.Now().Add(ttl)
		if ttl/3 <= grace {
			// The max TTL caps it: renewing again would not help, so
			// log in again before it runs out.
			renewable = false
		}
		h.Log.Debug("auto-auth: token renewed", "ttl", ttl)
	}
}

// wait sleeps until the next renewal (about two thirds of the remaining
// TTL) or, for a token that cannot be renewed, until grace before its end.
// woke reports the timer fired; refused that tok was invalidated.
func (h *Handler) wait(ctx context.Context, tok Token, expire time.Time, grace time.Duration, renewable bool) (woke, refused bool) {
	var wake <-chan time.Time
	if tok.TTL > 0 {
		remaining := time.Until(expire)
		at := remaining - grace
		if renewable {
			at = backoff.Jitter(remaining*2/3, 0.1)
		}
		t := time.NewTimer(max(at, 0))
		defer t.Stop()
		wake = t.C
	}
	select {
	case <-ctx.Done():
		return false, false
	case bad := <-h.invalid:
		return false, bad == tok.Token
	case <-wake:
		return true, false
	}
}

// graceOf is how long before the end of a token's life the next login
// starts: 10 to 20% of its TTL, at random, as Vault's lifetime watcher.
func graceOf(ttl time.Duration) time.Duration {
	return ttl/10 + time.Duration(rand.Int64N(int64(ttl/10)+1))
}

// status is the HTTP status of a server error (0 for anything else).
func status(err error) int {
	var re *vault.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// IsPermissionDenied reports a 403: the token is invalid (or lacks a
// grant; the caller decides).
func IsPermissionDenied(err error) bool { return status(err) == http.StatusForbidden }
