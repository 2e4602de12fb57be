package tokenstore

import (
	"testing"
	"time"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/stretchr/testify/assert"
)

func TestDeadlineAndLive(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		own, parents time.Time
		want         time.Time
	}{
		{"never", time.Time{}, time.Time{}, time.Time{}},
		{"own only", t0, time.Time{}, t0},
		{"ancestors only", time.Time{}, t0, t0},
		{"own earlier", t0, t0.Add(time.Hour), t0},
		{"ancestor earlier", t0.Add(time.Hour), t0, t0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := &tokenevent.Token{ExpireTime: tc.own, AncestorDeadline: tc.parents}
			assert.Equal(t, tc.want, tok.Deadline())
			if tc.want.IsZero() {
				assert.True(t, tok.Live(t0.Add(100*365*24*time.Hour)))
				return
			}
			assert.True(t, tok.Live(tc.want.Add(-time.Nanosecond)))
			assert.False(t, tok.Live(tc.want), "a token is dead at its deadline")
		})
	}
}
