package backoff

import (
	"context"
	"testing"
	"time"
)

func TestBackoffDoublesWithJitterUpToMax(t *testing.T) {
	b := New(time.Second, 5*time.Second)
	steps := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, step := range steps {
		d := b.Next()
		if d > step || d < step*3/4 {
			t.Fatalf("step %d: %s not within [%s, %s]", i, d, step*3/4, step)
		}
	}
	b.Reset()
	if d := b.Next(); d > time.Second {
		t.Fatalf("after Reset: %s", d)
	}
}

func TestJitterSpreads(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[Jitter(time.Hour, 0.5)] = true
	}
	if len(seen) < 10 {
		t.Fatalf("jitter produced only %d distinct values", len(seen))
	}
}

func TestSleepStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Fatal("Sleep reported a full delay after cancel")
	}
	if !Sleep(context.Background(), 0) {
		t.Fatal("zero sleep should pass")
	}
}
