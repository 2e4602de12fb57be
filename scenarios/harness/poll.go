package harness

import (
	"fmt"
	"testing"
	"time"
)

// Eventually calls fn every interval until it returns nil, and fails the
// test with fn's last error if that has not happened within timeout. Call it
// from the test's goroutine (it may call t.Fatalf).
func Eventually(t testing.TB, timeout, interval time.Duration, fn func() error) {
	t.Helper()
	if err := poll(timeout, interval, nil, fn); err != nil {
		t.Fatalf("harness: %v", err)
	}
}

// poll is Eventually without a testing.TB. It gives up early, with the
// error abort returns, as soon as abort returns non-nil.
func poll(timeout, interval time.Duration, abort func() error, fn func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if abort != nil {
			if aerr := abort(); aerr != nil {
				return aerr
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("condition not met within %s: %w", timeout, err)
		}
		time.Sleep(interval)
	}
}
