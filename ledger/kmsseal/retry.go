package kmsseal

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff configures Retry. The zero value is usable.
type Backoff struct {
	// Initial is the first wait; 500ms when zero.
	Initial time.Duration
	// Max caps the wait; 30s when zero.
	Max time.Duration
	// OnError hears about every failed attempt and the wait before the
	// next, so the caller can log and report why it is still sealed.
	OnError func(err error, wait time.Duration)
}

// permanentError marks an error that ends Retry.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps err so that Retry returns it at once instead of trying
// again (for failures that waiting cannot fix, such as ErrMalformed).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// Retry calls fn with the default Backoff until it succeeds, returns a
// Permanent error, or ctx ends.
func Retry(ctx context.Context, fn func(context.Context) error) error {
	return Backoff{}.Retry(ctx, fn)
}

// Retry calls fn until it returns nil, returns an error made by Permanent
// (returned as it is), or ctx is done (the error then wraps both ctx's
// error and fn's last one). Waits grow by doubling from Initial to Max,
// each shortened by a random amount of up to half, so that nodes restarted
// together do not hit KMS in step.
func (b Backoff) Retry(ctx context.Context, fn func(context.Context) error) error {
	initial, maxWait := b.Initial, b.Max
	if initial <= 0 {
		initial = 500 * time.Millisecond
	}
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	if initial > maxWait {
		initial = maxWait
	}
	next := initial
	var last error
	for {
		if err := ctx.Err(); err != nil {
			if last != nil {
				// The wait ended as the context did: keep saying why.
				return fmt.Errorf("%w (last error: %w)", err, last)
			}
			return err
		}
		err := fn(ctx)
		last = err
		if err == nil {
			return nil
		}
		var perm permanentError
		if errors.As(err, &perm) {
			return err
		}
		wait := next/2 + rand.N(next/2+1)
		if b.OnError != nil {
			b.OnError(err, wait)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-timer.C:
		}
		next = min(2*next, maxWait)
	}
}
