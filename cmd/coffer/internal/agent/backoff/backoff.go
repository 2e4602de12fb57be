// Package backoff computes retry delays: exponential from a minimum to a
// maximum, with random jitter so that many agents restarted together (a
// Deployment rolled out, a server back after an outage) do not retry in
// lock step.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is one retry sequence. The zero value is not usable; use New.
type Backoff struct {
	min, max, cur time.Duration
}

// New starts a sequence at min, doubling up to max.
func New(min, max time.Duration) *Backoff {
	if min <= 0 {
		min = 100 * time.Millisecond
	}
	if max < min {
		max = min
	}
	return &Backoff{min: min, max: max, cur: min}
}

// Next returns the next delay: the current step less up to a quarter of
// it at random, then doubles the step (capped at max).
func (b *Backoff) Next() time.Duration {
	d := Jitter(b.cur, 0.25)
	b.cur = min(2*b.cur, b.max)
	return d
}

// Reset starts the sequence over, after a success.
func (b *Backoff) Reset() { b.cur = b.min }

// Wait sleeps for Next() or until ctx ends; it reports whether the full
// delay passed.
func (b *Backoff) Wait(ctx context.Context) bool {
	return Sleep(ctx, b.Next())
}

// Jitter returns d reduced by a random fraction of up to frac.
func Jitter(d time.Duration, frac float64) time.Duration {
	if d <= 0 || frac <= 0 {
		return d
	}
	return d - time.Duration(rand.Float64()*frac*float64(d))
}

// Sleep waits d or until ctx ends; it reports whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
