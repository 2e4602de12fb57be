package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/backoff"
	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/events"
	tmpl "github.com/cofferhq/coffer/cmd/coffer/internal/agent/template"
)

// ErrRetriesExhausted ends the agent when a template kept failing and
// exit_on_retry_failure (or exit_after_auth) says so.
var ErrRetriesExhausted = errors.New("runner: template failed after all retries")

// Options configure a Runner.
type Options struct {
	Templates   []config.Template
	TemplateCfg config.TemplateConfig
	// NumRetries is vault.retry.num_retries: failures in a row before a
	// template counts as failed for good.
	NumRetries int
	// Client reaches the server without a token; the runner clones it
	// for each token.
	Client *vault.Client
	// Stream follows the event stream (with HTTP, a client without a
	// timeout); false polls only.
	Stream bool
	HTTP   *http.Client
	// StreamIdle overrides how long a silent stream is trusted (tests).
	StreamIdle time.Duration
	Log        *slog.Logger
	// Invalidate reports a token the server refused.
	Invalidate func(token string)
	// Parallel bounds concurrent fetches and renders (default 8).
	Parallel int
}

// Runner renders and re-renders the templates.
type Runner struct {
	opts      Options
	templates []*managed
	log       *slog.Logger

	tokens chan string
	token  string
	store  *store
	due    chan due

	stream    *events.Stream
	evs       chan events.Event
	status    chan events.Status
	connected bool
	rendered  bool // the first full render happened

	checkMu   sync.Mutex
	checkedAt map[string]time.Time

	fatal error
}

// New parses the templates.
func New(opts Options) (*Runner, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	if opts.Invalidate == nil {
		opts.Invalidate = func(string) {}
	}
	if opts.TemplateCfg.StaticSecretRenderInterval <= 0 {
		opts.TemplateCfg.StaticSecretRenderInterval = config.DefaultStaticSecretRenderInterval
	}
	if opts.TemplateCfg.LeaseRenewalThreshold <= 0 {
		opts.TemplateCfg.LeaseRenewalThreshold = 0.9
	}
	r := &Runner{opts: opts, log: opts.Log, tokens: make(chan string, 1), due: make(chan due, 64), checkedAt: map[string]time.Time{}}
	for _, c := range opts.Templates {
		t, err := tmpl.New(c)
		if err != nil {
			return nil, fmt.Errorf("runner: template for %s: %w", c.Destination, err)
		}
		r.templates = append(r.templates, &managed{t: t})
	}
	return r, nil
}

// SetToken hands the runner a new token (auto-auth's OnToken). It never
// blocks; the latest token wins.
func (r *Runner) SetToken(token string) {
	for {
		select {
		case r.tokens <- token:
			return
		default:
		}
		select {
		case <-r.tokens:
		default:
		}
	}
}

// Run renders until ctx ends. With once it returns after every template
// rendered (exit_after_auth), or with an error when one kept failing.
func (r *Runner) Run(ctx context.Context, once bool) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case tok := <-r.tokens:
		r.useToken(tok)
	}
	defer func() { r.store.close() }()
	if r.opts.Stream && !once {
		r.startStream(ctx)
	}
	r.renderSet(ctx, r.templates)
	r.rendered = true
	if once {
		return r.finishOnce(ctx)
	}
	return r.loop(ctx)
}

func (r *Runner) useToken(tok string) {
	if r.store != nil {
		r.store.close()
	}
	c, err := r.opts.Client.Clone()
	if err != nil {
		c = r.opts.Client
	}
	c.SetToken(tok)
	r.token = tok
	r.store = newStore(c)
	for _, m := range r.templates {
		m.deps, m.failures, m.retryAt = nil, 0, time.Time{}
	}
}

// startStream subscribes and waits (briefly) for the first answer, so
// that the first render happens after the subscription started and no
// change falls between them.
func (r *Runner) startStream(ctx context.Context) {
	r.evs = make(chan events.Event, 1024)
	r.status = make(chan events.Status, 16)
	r.stream = &events.Stream{
		HTTP: r.opts.HTTP, Address: r.opts.Client.Address(), Token: func() string { return r.currentToken() },
		Events: r.evs, Status: r.status, RetryUnavailable: r.opts.TemplateCfg.StaticSecretRenderInterval,
		Idle: r.opts.StreamIdle, Log: r.log,
	}
	go r.stream.Run(ctx)
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case st := <-r.status:
		r.onStatus(ctx, st)
	case <-t.C:
	case <-ctx.Done():
	}
}

func (r *Runner) currentToken() string {
	r.checkMu.Lock()
	defer r.checkMu.Unlock()
	return r.token
}

func (r *Runner) loop(ctx context.Context) error {
	poll := time.NewTimer(r.opts.TemplateCfg.StaticSecretRenderInterval)
	defer poll.Stop()
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	for {
		if r.fatal != nil {
			return r.fatal
		}
		r.arm(retry, r.nextRetry())
		var pollC <-chan time.Time
		if !r.connected {
			pollC = poll.C
		}
		select {
		case <-ctx.Done():
			return nil
		case tok := <-r.tokens:
			r.checkMu.Lock()
			r.useToken(tok)
			r.checkMu.Unlock()
			if r.stream != nil {
				r.stream.Reconnect()
			}
			r.log.Info("new token: rendering every template again")
			r.renderSet(ctx, r.templates)
		case ev := <-r.evs:
			r.onEvents(ctx, r.drain(ev))
		case st := <-r.status:
			wasConnected := r.connected
			r.onStatus(ctx, st)
			if wasConnected && !r.connected {
				poll.Reset(r.opts.TemplateCfg.StaticSecretRenderInterval)
			}
		case d := <-r.due:
			if e, ok := r.store.entry(d.dep); ok && e.gen == d.gen {
				r.log.Info("fetching a secret again", "secret", d.dep.String(), "reason", d.reason)
				r.refresh(ctx, []*entry{e})
			}
		case <-pollC:
			r.refresh(ctx, r.pollable())
			poll.Reset(r.opts.TemplateCfg.StaticSecretRenderInterval)
		case <-retry.C:
			r.retryFailed(ctx)
		}
	}
}

// drain collects the events already queued behind ev, so a burst of
// changes is fetched and rendered in one pass.
func (r *Runner) drain(ev events.Event) []events.Event {
	batch := []events.Event{ev}
	for len(batch) < 4096 {
		select {
		case e := <-r.evs:
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

func (r *Runner) onEvents(ctx context.Context, batch []events.Event) {
	var hit []*entry
	for _, e := range r.store.all() {
		for _, ev := range batch {
			if affects(ev, e) {
				hit = append(hit, e)
				break
			}
		}
	}
	if len(hit) > 0 {
		r.refresh(ctx, hit)
	}
}

func (r *Runner) onStatus(ctx context.Context, st events.Status) {
	switch st.State {
	case events.Connected:
		r.connected = true
		r.log.Info("event stream connected: re-rendering on pushed changes", "resumed", st.Resumed)
		if !st.Resumed && r.rendered {
			// Started live: a change before the subscription is unknown.
			r.refresh(ctx, r.pollable())
		}
	case events.Unavailable:
		if r.connected || !r.rendered {
			r.log.Info("event stream unavailable; polling static secrets instead",
				"interval", r.opts.TemplateCfg.StaticSecretRenderInterval, "reason", errString(st.Err))
		}
		r.connected = false
	case events.TokenInvalid:
		r.connected = false
		r.log.Warn("event stream ended: the token was revoked or expired")
		r.opts.Invalidate(st.Token)
	default:
		if r.connected {
			r.log.Warn("event stream lost; reconnecting (polling meanwhile)", "error", errString(st.Err))
		}
		r.connected = false
	}
}

// pollable are the entries polling keeps fresh: static ones, and failed
// ones.
func (r *Runner) pollable() []*entry {
	var out []*entry
	for _, e := range r.store.all() {
		if e.err != nil || e.static() {
			out = append(out, e)
		}
	}
	return out
}

// refresh fetches entries again (in parallel) and re-renders the
// templates of those whose answer changed.
func (r *Runner) refresh(ctx context.Context, entries []*entry) {
	if len(entries) == 0 {
		return
	}
	changed := make([]bool, len(entries))
	r.parallel(len(entries), func(i int) {
		var err error
		changed[i], err = r.store.fetch(ctx, entries[i])
		if isForbidden(err) {
			r.checkToken(ctx)
		}
	})
	users := map[*managed]struct{}{}
	r.store.mu.Lock()
	for i, e := range entries {
		if changed[i] {
			for m := range e.users {
				users[m] = struct{}{}
			}
		}
	}
	r.store.mu.Unlock()
	set := make([]*managed, 0, len(users))
	for _, m := range r.templates { // configuration order
		if _, ok := users[m]; ok {
			set = append(set, m)
		}
	}
	r.renderSet(ctx, set)
	r.keepLeases(ctx)
}

// renderSet renders templates in parallel, then writes and runs commands.
func (r *Runner) renderSet(ctx context.Context, set []*managed) {
	r.parallel(len(set), func(i int) { r.render(ctx, set[i]) })
	r.collect()
	r.keepLeases(ctx)
}

// collect drops the entries no template uses any more (their leases are
// left to expire, as Vault Agent leaves them). It runs after a whole set
// rendered: during the set, an entry may be in use before it is tracked.
func (r *Runner) collect() {
	r.store.mu.Lock()
	defer r.store.mu.Unlock()
	for d, e := range r.store.entries {
		if len(e.users) == 0 && e.gen > 0 {
			if e.stop != nil {
				e.stop()
			}
			delete(r.store.entries, d)
		}
	}
}

func (r *Runner) render(ctx context.Context, m *managed) {
	out, deps, err := m.t.Render(r.store)
	r.track(m, deps)
	if err == nil {
		var changed bool
		if changed, err = m.write(out); err == nil {
			if changed {
				r.log.Info("rendered", "destination", m.dest())
				m.runCommand(r.log)
			}
			m.rendered, m.lastErr, m.failures = true, nil, 0
			return
		}
	}
	m.failures++
	m.lastErr = err
	d := min(backoff.Jitter(250*time.Millisecond<<min(m.failures-1, 10), 0.25), time.Minute)
	m.retryAt = time.Now().Add(d)
	r.log.Error("template failed; keeping the previous file", "destination", m.dest(), "attempt", m.failures,
		"retry_in", d.Round(time.Millisecond), "error", errString(err))
	if isForbidden(err) {
		r.checkToken(ctx)
	}
	if r.opts.TemplateCfg.ExitOnRetryFailure && r.opts.NumRetries >= 0 && m.failures > r.opts.NumRetries {
		r.fatal = fmt.Errorf("%w: %s: %v", ErrRetriesExhausted, m.dest(), err)
	}
}

// track records which entries a template used.
func (r *Runner) track(m *managed, deps []tmpl.Dep) {
	r.store.mu.Lock()
	defer r.store.mu.Unlock()
	for _, d := range m.deps {
		if e, ok := r.store.entries[d]; ok {
			delete(e.users, m)
		}
	}
	m.deps = deps
	for _, d := range deps {
		if e, ok := r.store.entries[d]; ok {
			e.users[m] = struct{}{}
		}
	}
}

// keepLeases starts the keeper of every answer fetched since the last
// call.
func (r *Runner) keepLeases(ctx context.Context) {
	r.store.mu.Lock()
	defer r.store.mu.Unlock()
	for _, e := range r.store.entries {
		if e.gen == 0 || e.keptGen == e.gen {
			continue
		}
		e.keptGen = e.gen
		if e.stop != nil {
			e.stop()
			e.stop = nil
		}
		if e.err != nil {
			continue
		}
		p, at := plan(e.dep, e.secret, e.fetched, r.opts.TemplateCfg.LeaseRenewalThreshold)
		if p == planNone {
			continue
		}
		kctx, cancel := context.WithCancel(ctx)
		e.stop = cancel
		go r.keep(kctx, e.dep, e.gen, p, at, e.secret, r.store.client)
	}
}

func (r *Runner) keep(ctx context.Context, dep tmpl.Dep, gen uint64, p leasePlan, at time.Time, sec *vault.Secret, c *vault.Client) {
	var reason string
	switch p {
	case planRenew:
		reason = keepLease(ctx, c, sec.LeaseID, at, time.Duration(sec.LeaseDuration)*time.Second, r.log)
	case planRefetch:
		if backoff.Sleep(ctx, time.Until(at)) {
			reason = "lease or certificate near its end"
		}
	}
	if reason == "" || ctx.Err() != nil {
		return
	}
	select {
	case r.due <- due{dep: dep, gen: gen, reason: reason}:
	case <-ctx.Done():
	}
}

func (r *Runner) nextRetry() time.Time {
	var next time.Time
	for _, m := range r.templates {
		if m.lastErr != nil && (next.IsZero() || m.retryAt.Before(next)) {
			next = m.retryAt
		}
	}
	return next
}

func (r *Runner) arm(t *time.Timer, at time.Time) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	if at.IsZero() {
		t.Reset(time.Hour)
		return
	}
	t.Reset(max(time.Until(at), 0))
}

// retryFailed fetches again what failed templates use, then renders them.
func (r *Runner) retryFailed(ctx context.Context) {
	now := time.Now()
	var set []*managed
	seen := map[*entry]bool{}
	var entries []*entry
	for _, m := range r.templates {
		if m.lastErr == nil || m.retryAt.After(now) {
			continue
		}
		set = append(set, m)
		for _, d := range m.deps {
			if e, ok := r.store.entry(d); ok && !seen[e] && (e.err != nil || e.static()) {
				seen[e] = true
				entries = append(entries, e)
			}
		}
	}
	r.parallel(len(entries), func(i int) { _, _ = r.store.fetch(ctx, entries[i]) })
	r.renderSet(ctx, set)
}

// finishOnce retries failed templates until all rendered (exit_after_auth).
func (r *Runner) finishOnce(ctx context.Context) error {
	for {
		pending := 0
		for _, m := range r.templates {
			if !m.rendered {
				pending++
				if r.opts.NumRetries >= 0 && m.failures > r.opts.NumRetries {
					return fmt.Errorf("%w: %s: %v", ErrRetriesExhausted, m.dest(), m.lastErr)
				}
			}
		}
		if pending == 0 {
			return nil
		}
		if !backoff.Sleep(ctx, time.Until(r.nextRetry())) {
			return ctx.Err()
		}
		r.retryFailed(ctx)
	}
}

// checkToken looks the token up after a 403: if the server refuses the
// token itself, auto-auth is told to log in again. At most once every
// few seconds per token.
func (r *Runner) checkToken(ctx context.Context) {
	r.checkMu.Lock()
	tok := r.token
	if time.Since(r.checkedAt[tok]) < 5*time.Second {
		r.checkMu.Unlock()
		return
	}
	r.checkedAt[tok] = time.Now()
	c := r.store.client
	r.checkMu.Unlock()
	go func() {
		_, err := c.Auth().Token().LookupSelfWithContext(ctx)
		if err != nil && isForbidden(err) {
			r.log.Warn("the server refuses the agent's token; logging in again")
			r.opts.Invalidate(tok)
		}
	}()
}

// parallel runs fn(0..n-1) on at most opts.Parallel goroutines.
func (r *Runner) parallel(n int, fn func(i int)) {
	if n == 0 {
		return
	}
	if n == 1 {
		fn(0)
		return
	}
	sem := make(chan struct{}, r.opts.Parallel)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}(i)
	}
	wg.Wait()
}
