package testkit

import (
	"testing"
	"time"
)

// DefaultInterval is how often CheckFor polls when asked for 0.
const DefaultInterval = 10 * time.Millisecond

// CheckFor polls fn every interval until it returns nil, and fails the
// test with fn's last error when total has passed (nats-server's
// checkFor). Tests wait this way, never with a sleep.
func CheckFor(t testing.TB, total, interval time.Duration, fn func() error) {
	t.Helper()
	if interval <= 0 {
		interval = DefaultInterval
	}
	deadline := time.Now().Add(total)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %v: %v", total, err)
		}
		time.Sleep(interval)
	}
}

// Eventually is CheckFor for a condition without an error to report.
func Eventually(t testing.TB, total time.Duration, what string, cond func() bool) {
	t.Helper()
	CheckFor(t, total, 0, func() error {
		if cond() {
			return nil
		}
		return notYet(what)
	})
}

type notYet string

func (n notYet) Error() string { return "not yet: " + string(n) }

// Mark returns the current time once the clock has moved past it, so that
// anything stamped afterwards is strictly later (what a sleep of a few
// milliseconds was for).
func Mark(t testing.TB) time.Time {
	t.Helper()
	mark := time.Now().UTC()
	Eventually(t, time.Second, "the clock moves on", func() bool { return time.Now().After(mark) })
	return mark
}
