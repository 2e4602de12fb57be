package kmsseal_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cofferhq/coffer/ledger/kmsseal"
	"github.com/stretchr/testify/require"
)

func TestRetryBacksOffUntilSuccess(t *testing.T) {
	var waits []time.Duration
	calls := 0
	err := kmsseal.Backoff{
		Initial: 4 * time.Millisecond,
		Max:     20 * time.Millisecond,
		OnError: func(err error, wait time.Duration) {
			require.ErrorIs(t, err, kmsseal.ErrUnreachable)
			waits = append(waits, wait)
		},
	}.Retry(context.Background(), func(context.Context) error {
		calls++
		if calls < 7 {
			return kmsseal.ErrUnreachable
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, 7, calls)
	require.Len(t, waits, 6)

	// Nominal waits 4, 8, 16, 20, 20, 20 ms, each jittered into [n/2, n].
	nominal := []time.Duration{4, 8, 16, 20, 20, 20}
	for i, w := range waits {
		n := nominal[i] * time.Millisecond
		require.GreaterOrEqualf(t, w, n/2, "wait %d", i)
		require.LessOrEqualf(t, w, n, "wait %d", i)
	}
}

func TestRetryStopsOnPermanentError(t *testing.T) {
	calls := 0
	err := kmsseal.Retry(context.Background(), func(context.Context) error {
		calls++
		return kmsseal.Permanent(kmsseal.ErrMalformed)
	})
	require.ErrorIs(t, err, kmsseal.ErrMalformed)
	require.Equal(t, 1, calls)
	require.NoError(t, kmsseal.Permanent(nil))
}

func TestRetryGivesUpWithContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	down := errors.New("connection refused")
	start := time.Now()
	err := kmsseal.Backoff{Initial: 5 * time.Millisecond, Max: 10 * time.Millisecond}.Retry(ctx, func(context.Context) error {
		return down
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, down, "the last failure says why")
	require.Less(t, time.Since(start), 2*time.Second)

	// An already finished context runs nothing.
	called := false
	err = kmsseal.Retry(ctx, func(context.Context) error { called = true; return nil })
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.False(t, called)
}
