package token

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func renewable(ttl, explicitMax, period time.Duration) *tokenevent.Token {
	return &tokenevent.Token{
		Hash: "h", Version: 4, Accessor: "acc", Policies: []string{"app"}, Type: tokenevent.TypeService,
		CreationTime: t0, CreationTTL: ttl, LeaseTTL: ttl, ExplicitMaxTTL: explicitMax, Period: period,
		Renewable: true, ExpireTime: t0.Add(ttl),
	}
}

func TestDecideRenew(t *testing.T) {
	limits := Limits{DefaultTTL: time.Hour, MaxTTL: 24 * time.Hour}
	tests := []struct {
		name      string
		token     *tokenevent.Token
		increment time.Duration
		at        time.Time
		wantTTL   time.Duration
		wantWarn  bool
		wantErr   error
	}{
		{name: "no increment renews by the current lease TTL", token: renewable(time.Hour, 0, 0), at: t0.Add(30 * time.Minute), wantTTL: time.Hour},
		{name: "increment from now", token: renewable(time.Hour, 0, 0), increment: 3 * time.Hour, at: t0.Add(30 * time.Minute), wantTTL: 3 * time.Hour},
		{name: "capped at creation + mount max", token: func() *tokenevent.Token {
			tk := renewable(time.Hour, 0, 0)
			tk.ExpireTime = t0.Add(21 * time.Hour)
			return tk
		}(), increment: 48 * time.Hour, at: t0.Add(20 * time.Hour), wantTTL: 4 * time.Hour, wantWarn: true},
		{name: "capped at creation + explicit max", token: renewable(time.Hour, 2*time.Hour, 0), increment: 5 * time.Hour, at: t0.Add(30 * time.Minute), wantTTL: 90 * time.Minute, wantWarn: true},
		{name: "periodic gets its period whatever the increment", token: renewable(10*time.Minute, 0, 10*time.Minute), increment: 5 * time.Hour, at: t0.Add(9 * time.Minute), wantTTL: 10 * time.Minute},
		{name: "expired periodic token is gone", token: renewable(10*time.Minute, 0, 10*time.Minute), at: t0.Add(100 * time.Hour), wantErr: ErrNotFound},
		{name: "periodic capped by explicit max", token: renewable(10*time.Minute, 15*time.Minute, 10*time.Minute), at: t0.Add(9 * time.Minute), wantTTL: 6 * time.Minute, wantWarn: true},
		{name: "not renewable", token: func() *tokenevent.Token { tk := renewable(time.Hour, 0, 0); tk.Renewable = false; return tk }(), at: t0, wantErr: ErrNotRenewable},
		{name: "never-expiring tokens do not renew", token: &tokenevent.Token{Hash: "r", Policies: []string{"root"}}, at: t0, wantErr: ErrNotRenewable},
		{name: "expired token is gone", token: renewable(time.Hour, 0, 0), at: t0.Add(2 * time.Hour), wantErr: ErrNotFound},
		{name: "no token", token: nil, at: t0, wantErr: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events, warnings, err := DecideRenew(tc.token, tc.increment, limits, tc.at)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.Empty(t, events)
				return
			}
			require.NoError(t, err)
			require.Len(t, events, 1)
			assert.Equal(t, tokenevent.EventRenewed, events[0].Type)
			assert.Equal(t, tc.token.Version+1, events[0].Version)
			var r tokenevent.Renewed
			require.NoError(t, json.Unmarshal(events[0].Data, &r))
			assert.Equal(t, tokenevent.Seconds(tc.wantTTL), r.TTL)
			assert.Equal(t, tc.at.Add(tc.wantTTL), r.ExpireTime)
			assert.Equal(t, tc.wantWarn, len(warnings) > 0, "warnings: %v", warnings)
		})
	}
}

// A periodic token without explicit max renews forever; past the mount's
// max TTL it still gets its full period (Vault's rule for periodic tokens).
func TestDecideRenewPeriodicOutlivesMountMax(t *testing.T) {
	tk := renewable(10*time.Minute, 0, 10*time.Minute)
	limits := Limits{MaxTTL: time.Hour}
	at := t0
	for i := 0; i < 20; i++ { // 20 renewals 9 minutes apart: 3 hours
		at = at.Add(9 * time.Minute)
		events, _, err := DecideRenew(tk, 0, limits, at)
		require.NoError(t, err)
		var r tokenevent.Renewed
		require.NoError(t, json.Unmarshal(events[0].Data, &r))
		require.Equal(t, int64(600), r.TTL)
		tk.ExpireTime, tk.Version = r.ExpireTime, events[0].Version
	}
}

func TestDecideRenewPastMax(t *testing.T) {
	tk := renewable(time.Hour, 2*time.Hour, 0)
	tk.ExpireTime = t0.Add(3 * time.Hour) // as if an earlier renewal ran to the cap
	_, _, err := DecideRenew(tk, 0, Limits{}, t0.Add(2*time.Hour+time.Second))
	require.ErrorIs(t, err, ErrPastMaxTTL)
}
