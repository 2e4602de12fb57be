package ratelimit

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newLimiter(cfg Config) (*Limiter, *clock) {
	c := &clock{now: time.Unix(1_700_000_000, 0)}
	cfg.Now = c.Now
	return New(cfg), c
}

// fail records n failed attempts and returns the first refusal, if any.
func fail(l *Limiter, n int, source, role string, known bool) (int, *Refusal) {
	for i := 0; i < n; i++ {
		a, r := l.Begin(source, "approle/", role, known)
		if r != nil {
			return i, r
		}
		a.Failed()
	}
	return n, nil
}

func TestHonestMistakesThenBackOff(t *testing.T) {
	l, c := newLimiter(Config{})
	n, r := fail(l, 11, "10.0.0.1:5000", "web", true)
	if n != 10 || r == nil {
		t.Fatalf("admitted %d failures before refusal %v, want 10", n, r)
	}
	if r.Scope != ScopePair || r.RetryAfterSeconds() != 6 || r.Status() != 429 || !errors.Is(r, ErrExceeded) {
		t.Fatalf("refusal %+v retry %d", r, r.RetryAfterSeconds())
	}
	if got := r.Message("auth/approle/login"); got != `request path "auth/approle/login": rate limit quota exceeded` {
		t.Fatalf("message %q", got)
	}
	// A refused attempt is not a failure: waiting out Retry-After admits
	// exactly one more attempt.
	for i := 0; i < 5; i++ {
		if _, r := l.Begin("10.0.0.1:5001", "approle/", "web", true); r == nil {
			t.Fatal("still refused before Retry-After")
		}
	}
	c.Advance(5 * time.Second)
	if _, r := l.Begin("10.0.0.1", "approle/", "web", true); r == nil || r.RetryAfterSeconds() != 1 {
		t.Fatalf("after 5s: %+v", r)
	}
	c.Advance(time.Second)
	a, r := l.Begin("10.0.0.1", "approle/", "web", true)
	if r != nil {
		t.Fatalf("after Retry-After: %+v", r)
	}
	a.Failed()
	if _, r := l.Begin("10.0.0.1", "approle/", "web", true); r == nil {
		t.Fatal("one failure per 6s once backed off")
	}
	// A minute later the whole burst is back.
	c.Advance(time.Minute)
	if n, r := fail(l, 10, "10.0.0.1", "web", true); n != 10 || r != nil {
		t.Fatalf("after a minute: %d %v", n, r)
	}
}

func TestOtherRoleNeverDelayed(t *testing.T) {
	l, _ := newLimiter(Config{})
	if _, r := fail(l, 50, "10.0.0.1", "web", true); r == nil {
		t.Fatal("expected web to be throttled")
	}
	for i := 0; i < 100; i++ {
		a, r := l.Begin("10.0.0.1", "approle/", "db", true)
		if r != nil {
			t.Fatalf("login %d to another role delayed: %+v", i, r)
		}
		a.Succeeded()
	}
	// The same role name on another mount is another role.
	a, r := l.Begin("10.0.0.1", "userpass/", "web", true)
	if r != nil {
		t.Fatalf("another mount delayed: %+v", r)
	}
	a.Succeeded()
}

func TestSuccessCostsNothingAndClearsThePair(t *testing.T) {
	l, _ := newLimiter(Config{})
	for i := 0; i < 1000; i++ {
		a, r := l.Begin("10.0.0.2", "approle/", "web", true)
		if r != nil {
			t.Fatalf("success %d refused", i)
		}
		a.Succeeded()
	}
	if n, r := fail(l, 9, "10.0.0.2", "web", true); n != 9 || r != nil {
		t.Fatal(n, r)
	}
	a, r := l.Begin("10.0.0.2", "approle/", "web", true)
	if r != nil {
		t.Fatal(r)
	}
	a.Succeeded()
	if n, r := fail(l, 10, "10.0.0.2", "web", true); n != 10 || r != nil {
		t.Fatalf("after a success the pair starts afresh: %d %v", n, r)
	}
}

func TestAbandonRefunds(t *testing.T) {
	l, _ := newLimiter(Config{})
	for i := 0; i < 100; i++ {
		a, r := l.Begin("10.0.0.3", "kubernetes/", "app", true)
		if r != nil {
			t.Fatalf("abandoned attempt %d counted", i)
		}
		a.Abandon()
	}
}

// TestConcurrentLoginsAreNotRefused: many honest logins in flight at once
// from one address (a fleet behind one NAT starting up) are admitted; only
// failures are counted.
func TestConcurrentLoginsAreNotRefused(t *testing.T) {
	l, _ := newLimiter(Config{})
	var inflight []*Attempt
	for i := 0; i < 50; i++ {
		a, r := l.Begin("10.0.0.4", "approle/", "fleet", true)
		if r != nil {
			t.Fatalf("attempt %d in flight refused: %v", i, r)
		}
		inflight = append(inflight, a)
	}
	for _, a := range inflight {
		a.Succeeded()
	}
	// Failures in flight together all count, even past the burst.
	inflight = inflight[:0]
	for i := 0; i < 12; i++ {
		a, r := l.Begin("10.0.0.4", "approle/", "fleet", true)
		if r != nil {
			t.Fatalf("attempt %d refused before any failure was counted", i)
		}
		inflight = append(inflight, a)
	}
	for _, a := range inflight {
		a.Failed()
	}
	if _, r := l.Begin("10.0.0.4", "approle/", "fleet", true); r == nil {
		t.Fatal("12 failures must stall the pair")
	}
}

func TestDistributedGuessingStallsTheRole(t *testing.T) {
	l, _ := newLimiter(Config{})
	for i := 0; i < 100; i++ {
		if n, r := fail(l, 1, fmt.Sprintf("10.1.%d.%d", i/256, i%256), "web", true); n != 1 || r != nil {
			t.Fatalf("source %d: %v", i, r)
		}
	}
	_, r := l.Begin("10.9.9.9", "approle/", "web", true)
	if r == nil || r.Scope != ScopeRole || r.RetryAfterSeconds() != 1 {
		t.Fatalf("101st failure across sources: %+v", r)
	}
	a, r := l.Begin("10.9.9.9", "approle/", "db", true)
	if r != nil {
		t.Fatal("another role must not be delayed")
	}
	a.Succeeded()
}

func TestUnknownNamesPerSource(t *testing.T) {
	l, _ := newLimiter(Config{})
	for i := 0; i < 10; i++ {
		a, r := l.Begin("10.0.0.4", "approle/", fmt.Sprintf("guess-%d", i), false)
		if r != nil {
			t.Fatalf("guess %d refused", i)
		}
		a.Failed()
	}
	if _, r := l.Begin("10.0.0.4", "approle/", "guess-x", false); r == nil || r.Scope != ScopeUnknown {
		t.Fatalf("11th guess: %+v", r)
	}
	a, r := l.Begin("10.0.0.4", "approle/", "web", true)
	if r != nil {
		t.Fatal("an existing role must not be delayed by guesses")
	}
	a.Succeeded()
	a, r = l.Begin("10.0.0.5", "approle/", "guess-y", false)
	if r != nil {
		t.Fatal("another source is not delayed")
	}
	a.Failed()
}

func TestIPv6GroupedBy64(t *testing.T) {
	l, _ := newLimiter(Config{PairBurst: 2})
	fail(l, 1, "[2001:db8:1:2::1]:443", "web", true)
	fail(l, 1, "2001:db8:1:2:ffff::9", "web", true)
	if _, r := l.Begin("2001:db8:1:2::77", "approle/", "web", true); r == nil {
		t.Fatal("one /64 is one source")
	}
	if _, r := l.Begin("2001:db8:1:3::1", "approle/", "web", true); r != nil {
		t.Fatal("another /64 is another source")
	}
}

func TestDisabledBuckets(t *testing.T) {
	l, _ := newLimiter(Config{PairBurst: -1, RoleBurst: -1, UnknownBurst: -1})
	if n, r := fail(l, 500, "10.0.0.6", "web", true); n != 500 || r != nil {
		t.Fatal(n, r)
	}
	if n, r := fail(l, 500, "10.0.0.6", "x", false); n != 500 || r != nil {
		t.Fatal(n, r)
	}
}

// TestConcurrentAttemptsNeverOverAdmit: sixteen workers failing as fast
// as they can get the burst, plus at most one attempt per other worker:
// an attempt is admitted by its check and counted when it fails, so
// attempts in flight together may all pass (by design: honest logins in
// flight together are never refused, TestConcurrentLoginsAreNotRefused),
// but never more than were in flight at once.
func TestConcurrentAttemptsNeverOverAdmit(t *testing.T) {
	const workers = 16
	l, _ := newLimiter(Config{})
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if a, r := l.Begin("10.0.0.7", "approle/", "web", true); r == nil {
					admitted.Add(1)
					a.Failed()
				}
			}
		}()
	}
	wg.Wait()
	if got := admitted.Load(); got < 10 || got > 10+workers-1 {
		t.Fatalf("admitted %d failures concurrently, want the burst of 10 and at most %d more in flight", got, workers-1)
	}
}

func TestTableIsSweptAndCapped(t *testing.T) {
	l, c := newLimiter(Config{MaxEntries: 64})
	for i := 0; i < 5000; i++ {
		fail(l, 1, fmt.Sprintf("10.2.%d.%d", i/256, i%256), "web", true)
	}
	if n := l.Len(); n > 64+2*shardCount+1 {
		t.Fatalf("table holds %d buckets, cap 64", n)
	}
	c.Advance(time.Hour)
	for i := 0; i < 2048*shardCount/16; i++ {
		a, _ := l.Begin(fmt.Sprintf("10.3.%d.%d", i/256, i%256), "approle/", "db", true)
		a.Succeeded()
	}
	if n := l.Len(); n > 64+2*shardCount+1 {
		t.Fatalf("refilled buckets must be swept, %d left", n)
	}
}

func BenchmarkBeginSucceeded(b *testing.B) {
	l := New(Config{})
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		src := fmt.Sprintf("10.4.0.%d", n.Add(1))
		for pb.Next() {
			a, r := l.Begin(src, "approle/", "web", true)
			if r != nil {
				b.Fatal(r)
			}
			a.Succeeded()
		}
	})
}

func TestFromOptions(t *testing.T) {
	now := func() time.Time { return time.Unix(0, 0) }
	for _, tc := range []struct {
		opts map[string]string
		want Config
		err  bool
	}{
		{opts: nil, want: Config{}},
		{opts: map[string]string{"login_rate_limit": "3/30s"}, want: Config{PairBurst: 3, PairWindow: 30 * time.Second}},
		{opts: map[string]string{"login_rate_limit_role": "50/120", "login_rate_limit_unknown": "off"}, want: Config{RoleBurst: 50, RoleWindow: 2 * time.Minute, UnknownBurst: -1}},
		{opts: map[string]string{"login_rate_limit": "off"}, want: Config{PairBurst: -1, RoleBurst: -1, UnknownBurst: -1}},
		{opts: map[string]string{"login_rate_limit": "10"}, err: true},
		{opts: map[string]string{"login_rate_limit": "0/1m"}, err: true},
		{opts: map[string]string{"login_rate_limit": "5/10ms"}, err: true},
		{opts: map[string]string{"login_rate_limit_role": "x/1m"}, err: true},
	} {
		got, err := FromOptions(tc.opts, now)
		if tc.err {
			if !errors.Is(err, ErrBadOption) {
				t.Errorf("%v: want ErrBadOption, got %v", tc.opts, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.opts, err)
			continue
		}
		got.Now = nil
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tc.want) {
			t.Errorf("%v: got %+v, want %+v", tc.opts, got, tc.want)
		}
	}
}

// TestOffAdmitsEverything: "off" disables every bucket.
func TestOffAdmitsEverything(t *testing.T) {
	cfg, err := FromOptions(map[string]string{OptionPair: "off"}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	l := New(cfg)
	for i := range 100 {
		a, refusal := l.Begin("192.0.2.1:5000", "m", "r", i%2 == 0)
		if refusal != nil {
			t.Fatalf("attempt %d refused", i)
		}
		a.Failed()
	}
}
