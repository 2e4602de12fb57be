package ratelimit

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// ErrExceeded marks a refused attempt; msgExceeded is Vault's text for it.
var ErrExceeded = errors.New("ratelimit: rate limit quota exceeded")

const msgExceeded = "rate limit quota exceeded"

// Config sets the buckets. Zero values take the defaults; a negative burst
// disables that bucket.
type Config struct {
	// PairBurst failures per source and role before backing off, refilled
	// at PairBurst per PairWindow. Default 10 per minute.
	PairBurst  int
	PairWindow time.Duration
	// RoleBurst failures per role across all sources. Default 100 per
	// minute.
	RoleBurst  int
	RoleWindow time.Duration
	// UnknownBurst failures per source against names that do not exist.
	// Default 10 per minute.
	UnknownBurst  int
	UnknownWindow time.Duration
	// IPv6PrefixBits groups IPv6 sources. Default 64.
	IPv6PrefixBits int
	// MaxEntries caps the bucket table. Default 100,000.
	MaxEntries int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration) {
		if *v <= 0 {
			*v = time.Minute
		}
	}
	def(&c.PairBurst, 10)
	def(&c.RoleBurst, 100)
	def(&c.UnknownBurst, 10)
	def(&c.IPv6PrefixBits, 64)
	def(&c.MaxEntries, 100_000)
	defDur(&c.PairWindow)
	defDur(&c.RoleWindow)
	defDur(&c.UnknownWindow)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Scope names the bucket that refused an attempt.
type Scope uint8

// Bucket scopes.
const (
	ScopePair Scope = iota + 1
	ScopeRole
	ScopeUnknown
)

func (s Scope) String() string {
	switch s {
	case ScopePair:
		return "source and role"
	case ScopeRole:
		return "role"
	case ScopeUnknown:
		return "source (unknown names)"
	}
	return "none"
}

// Refusal is an attempt refused before its credential was checked.
type Refusal struct {
	// RetryAfter is how long until the attempt would be admitted.
	RetryAfter time.Duration
	// Scope is the bucket that was empty (the one with the longest wait).
	Scope Scope
}

func (r *Refusal) Error() string { return msgExceeded }

// Unwrap makes errors.Is(r, ErrExceeded) true.
func (r *Refusal) Unwrap() error { return ErrExceeded }

// Status is the HTTP status: 429.
func (r *Refusal) Status() int { return http.StatusTooManyRequests }

// RetryAfterSeconds is the Retry-After header value: whole seconds,
// rounded up, at least 1.
func (r *Refusal) RetryAfterSeconds() int {
	s := int(math.Ceil(r.RetryAfter.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// Message is Vault's error text for a request path.
func (r *Refusal) Message(path string) string {
	return fmt.Sprintf("request path %q: %s", path, msgExceeded)
}

type key struct {
	scope  Scope
	source string
	mount  string
	role   string
}

// bucket is a token bucket kept as GCRA's theoretical arrival time: the
// instant the bucket would be full again. Integer time keeps the
// arithmetic exact (float tokens drift and admit a hair early).
type bucket struct {
	tat time.Time
}

type params struct {
	burst    int
	interval time.Duration // one failure refills after this long
}

const shardCount = 32

type shard struct {
	mu      sync.Mutex
	buckets map[key]*bucket
	ops     int
}

// Limiter is safe for concurrent use.
type Limiter struct {
	cfg    Config
	params [4]params // by Scope
	seed   maphash.Seed
	shards [shardCount]shard
}

// New returns a limiter.
func New(cfg Config) *Limiter {
	cfg = cfg.withDefaults()
	l := &Limiter{cfg: cfg, seed: maphash.MakeSeed()}
	set := func(s Scope, burst int, window time.Duration) {
		if burst > 0 {
			l.params[s] = params{burst: burst, interval: window / time.Duration(burst)}
		}
	}
	set(ScopePair, cfg.PairBurst, cfg.PairWindow)
	set(ScopeRole, cfg.RoleBurst, cfg.RoleWindow)
	set(ScopeUnknown, cfg.UnknownBurst, cfg.UnknownWindow)
	for i := range l.shards {
		l.shards[i].buckets = make(map[key]*bucket)
	}
	return l
}

// Attempt is one admitted login attempt awaiting its outcome.
type Attempt struct {
	l    *Limiter
	keys []key
	done bool
}

// Begin admits or refuses a login attempt from source (a remote address,
// "ip" or "ip:port") against role on mount. known says whether the role or
// user exists; attempts against names that do not exist are counted per
// source instead of per role.
func (l *Limiter) Begin(source, mount, role string, known bool) (*Attempt, *Refusal) {
	src := l.normalizeSource(source)
	var keys []key
	if known {
		keys = []key{{scope: ScopePair, source: src, mount: mount, role: role}, {scope: ScopeRole, mount: mount, role: role}}
	} else {
		keys = []key{{scope: ScopeUnknown, source: src, mount: mount}}
	}
	now := l.cfg.Now()
	var refusal *Refusal
	for _, k := range keys {
		p := l.params[k.scope]
		if p.burst == 0 {
			continue
		}
		if wait := l.peek(k, p, now); wait > 0 && (refusal == nil || wait > refusal.RetryAfter) {
			refusal = &Refusal{RetryAfter: wait, Scope: k.scope}
		}
	}
	if refusal != nil {
		return nil, refusal
	}
	keep := keys[:0:0]
	for _, k := range keys {
		if l.params[k.scope].burst != 0 {
			keep = append(keep, k)
		}
	}
	return &Attempt{l: l, keys: keep}, nil
}

// Succeeded clears the source-and-role bucket, as a correct credential
// ends a run of honest mistakes.
func (a *Attempt) Succeeded() {
	if a == nil || a.done {
		return
	}
	a.done = true
	now := a.l.cfg.Now()
	for _, k := range a.keys {
		if k.scope == ScopePair {
			a.l.give(k, now, true)
		}
	}
}

// Failed counts the failure in every bucket of the attempt.
func (a *Attempt) Failed() {
	if a == nil || a.done {
		return
	}
	a.done = true
	now := a.l.cfg.Now()
	for _, k := range a.keys {
		a.l.charge(k, a.l.params[k.scope], now)
	}
}

// Abandon counts nothing: the credential could not be checked, which is
// not the client's failure.
func (a *Attempt) Abandon() {
	if a != nil {
		a.done = true
	}
}

func (l *Limiter) shardOf(k key) *shard {
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.WriteByte(byte(k.scope))
	h.WriteString(k.source)
	h.WriteByte(0)
	h.WriteString(k.mount)
	h.WriteByte(0)
	h.WriteString(k.role)
	return &l.shards[h.Sum64()%shardCount]
}

// peek returns how long until the bucket holds one failure again (0:
// now), without changing it.
func (l *Limiter) peek(k key, p params, now time.Time) time.Duration {
	s := l.shardOf(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[k]
	if !ok {
		return 0
	}
	start := b.tat
	if start.Before(now) {
		start = now
	}
	if over := start.Add(p.interval).Sub(now) - time.Duration(p.burst)*p.interval; over > 0 {
		return over
	}
	return 0
}

// charge counts one failure, even past the burst: failures that were in
// flight together all count.
func (l *Limiter) charge(k key, p params, now time.Time) {
	s := l.shardOf(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[k]
	if !ok {
		l.maybeSweep(s, now)
		b = &bucket{tat: now}
		s.buckets[k] = b
	}
	if b.tat.Before(now) {
		b.tat = now
	}
	b.tat = b.tat.Add(p.interval)
}

// give returns one token, or forgets the bucket when clear is set.
func (l *Limiter) give(k key, now time.Time, clear bool) {
	p := l.params[k.scope]
	s := l.shardOf(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[k]
	if !ok {
		return
	}
	if clear {
		delete(s.buckets, k)
		return
	}
	b.tat = b.tat.Add(-p.interval)
}

// maybeSweep drops refilled buckets (they are the same as absent ones)
// every so often, and keeps the shard under its share of MaxEntries.
func (l *Limiter) maybeSweep(s *shard, now time.Time) {
	s.ops++
	limit := l.cfg.MaxEntries/shardCount + 1
	if s.ops < 1024 && len(s.buckets) < limit {
		return
	}
	s.ops = 0
	for k, b := range s.buckets {
		if !b.tat.After(now) {
			delete(s.buckets, k)
		}
	}
	// Still full of live buckets: forget arbitrary ones rather than grow
	// without bound; a forgotten bucket only grants its owner a fresh burst.
	for k := range s.buckets {
		if len(s.buckets) < limit {
			break
		}
		delete(s.buckets, k)
	}
}

// Len is the number of live buckets (for tests and metrics).
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.buckets)
		s.mu.Unlock()
	}
	return n
}

func (l *Limiter) normalizeSource(source string) string {
	s := strings.TrimSpace(source)
	var a netip.Addr
	if ap, err := netip.ParseAddrPort(s); err == nil {
		a = ap.Addr()
	} else if ip, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		a = ip
	} else {
		return s
	}
	a = a.Unmap()
	if a.Is6() && l.cfg.IPv6PrefixBits > 0 && l.cfg.IPv6PrefixBits < 128 {
		if p, err := a.Prefix(l.cfg.IPv6PrefixBits); err == nil {
			return p.String()
		}
	}
	return a.String()
}
