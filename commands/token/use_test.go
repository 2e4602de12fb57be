package token

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecideUse(t *testing.T) {
	limited := func(uses int) *tokenevent.Token {
		return &tokenevent.Token{Hash: "h", Version: 7, Accessor: "acc", Parent: "p", NumUses: uses, Policies: []string{"app"}}
	}

	events, err := DecideUse(limited(0), t0)
	require.NoError(t, err)
	assert.Empty(t, events, "unlimited tokens cost no event")

	events, err = DecideUse(limited(3), t0)
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, tokenevent.EventUseSpent, events[0].Type)
	assert.Equal(t, uint64(8), events[0].Version)
	var spent tokenevent.UseSpent
	require.NoError(t, json.Unmarshal(events[0].Data, &spent))
	assert.Equal(t, 2, spent.Remaining)

	events, err = DecideUse(limited(1), t0)
	require.NoError(t, err)
	require.Len(t, events, 2, "the last use revokes in the same append")
	assert.Equal(t, []string{tokenevent.EventUseSpent, tokenevent.EventRevoked}, []string{events[0].Type, events[1].Type})
	assert.Equal(t, []uint64{8, 9}, []uint64{events[0].Version, events[1].Version})
	var rev tokenevent.Revoked
	require.NoError(t, json.Unmarshal(events[1].Data, &rev))
	assert.Equal(t, tokenevent.Revoked{Accessor: "acc", Parent: "p", Reason: tokenevent.ReasonUsesExhausted, Target: "h", Accessors: []string{"acc"}}, rev)

	_, err = DecideUse(nil, t0)
	require.ErrorIs(t, err, ErrNotFound)

	expired := limited(2)
	expired.ExpireTime = t0.Add(-time.Second)
	_, err = DecideUse(expired, t0)
	require.ErrorIs(t, err, ErrNotFound)
}
