package testkit

import (
	"sync"
	"time"
)

// Clock is a settable time source for code that takes a clock (the lease
// manager's Options.Now, transit's Options.Now, framework.Env.Now): tests
// move time instead of waiting for it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at t (the current time when zero).
func NewClock(t time.Time) *Clock {
	if t.IsZero() {
		t = time.Now()
	}
	return &Clock{now: t.UTC()}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC()
	c.mu.Unlock()
}
