package cubbyhole

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/cubbyholeevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

func startBus(t *testing.T) *commands.Bus {
	t.Helper()
	env := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){cubbyholestore.Register, tokenstore.Register}})
	return env.Bus
}

// TestEntriesLiveAndDieWithTheirCubbyhole: write, read, list and delete
// entries of one token's cubbyhole; every entry shares its data key;
// erasing drops them all.
func TestEntriesLiveAndDieWithTheirCubbyhole(t *testing.T) {
	bus := startBus(t)
	ctx := context.Background()
	const tok = "tok-a"
	require.NoError(t, Write(ctx, bus, tok, "a/one", map[string]any{"v": "1"}))
	require.NoError(t, Write(ctx, bus, tok, "a/two", map[string]any{"v": "2"}))
	require.NoError(t, Write(ctx, bus, tok, "top", map[string]any{"v": "3"}))
	require.NoError(t, Write(ctx, bus, "tok-b", "top", map[string]any{"v": "other"}))
	st, err := cubbyholestore.Load(bus.Projections, tok)
	require.NoError(t, err)
	require.NotEmpty(t, st.KeyID)
	require.EqualValues(t, 3, st.Version)

	got, err := Read(ctx, bus, tok, "a/two")
	require.NoError(t, err)
	require.Equal(t, "2", got["v"])
	got, err = Read(ctx, bus, tok, "top")
	require.NoError(t, err)
	require.Equal(t, "3", got["v"], "each token reads its own entry")
	names, err := List(ctx, bus, tok, "")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"a/", "top"}, names)
	names, err = List(ctx, bus, tok, "a/")
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"one", "two"}, names)

	require.NoError(t, Delete(ctx, bus, tok, "a/one"))
	require.NoError(t, Delete(ctx, bus, tok, "a/one"), "deleting a missing entry succeeds")
	_, err = Read(ctx, bus, tok, "a/one")
	require.ErrorIs(t, err, ErrNotFound)

	require.NoError(t, Erase(ctx, bus, tok, cubbyholeevent.ReasonTokenRevoked))
	_, err = Read(ctx, bus, tok, "top")
	require.ErrorIs(t, err, ErrNotFound)
	st, err = cubbyholestore.Load(bus.Projections, tok)
	require.NoError(t, err)
	require.Empty(t, st.KeyID)
	got, err = Read(ctx, bus, "tok-b", "top")
	require.NoError(t, err)
	require.Equal(t, "other", got["v"], "another token's cubbyhole is untouched")
}

// TestConcurrentFirstWritesShareOneKey: writers racing on an empty
// cubbyhole end with every entry readable under the one key stored.
func TestConcurrentFirstWritesShareOneKey(t *testing.T) {
	bus := startBus(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			require.NoError(t, Write(ctx, bus, "tok", string(rune('a'+i)), map[string]any{"i": i}))
		}()
	}
	wg.Wait()
	names, err := List(ctx, bus, "tok", "")
	require.NoError(t, err)
	require.Len(t, names, 8)
}

// TestUnwrapOnceUnderConcurrency: of 8 concurrent unwraps one gets the
// response; lookup and a second unwrap refuse the spent token.
func TestUnwrapOnceUnderConcurrency(t *testing.T) {
	bus := startBus(t)
	ctx := context.Background()
	w, err := Wrap(ctx, bus, []byte(`{"data":{"k":"v"}}`), time.Minute, "sys/wrapping/wrap")
	require.NoError(t, err)
	info, err := Lookup(bus, w.Token)
	require.NoError(t, err)
	require.Equal(t, time.Minute, info.TTL)
	require.Equal(t, "sys/wrapping/wrap", info.CreationPath)

	var won atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, err := Unwrap(ctx, bus, w.Token)
			if err == nil {
				require.JSONEq(t, `{"data":{"k":"v"}}`, string(body))
				won.Add(1)
				return
			}
			require.True(t, errors.Is(err, ErrInvalidWrappingToken), "%v", err)
		}()
	}
	wg.Wait()
	require.EqualValues(t, 1, won.Load())
	_, err = Lookup(bus, w.Token)
	require.ErrorIs(t, err, ErrInvalidWrappingToken)
	b := bus.Ledger.Barrier()
	st, err := cubbyholestore.Load(bus.Projections, tokenstore.Hash(b, w.Token))
	require.NoError(t, err)
	require.Empty(t, st.KeyID, "the unwrapped token's cubbyhole is erased")
}

// TestRewrapSpendsTheOldToken: the response moves to a new token with the
// old one's TTL and creation path.
func TestRewrapSpendsTheOldToken(t *testing.T) {
	bus := startBus(t)
	ctx := context.Background()
	w, err := Wrap(ctx, bus, []byte(`{"x":1}`), 90*time.Second, "auth/approle/role/app/secret-id")
	require.NoError(t, err)
	nw, err := Rewrap(ctx, bus, w.Token)
	require.NoError(t, err)
	require.NotEqual(t, w.Token, nw.Token)
	require.Equal(t, 90*time.Second, nw.TTL)
	require.Equal(t, w.CreationPath, nw.CreationPath)
	_, err = Unwrap(ctx, bus, w.Token)
	require.ErrorIs(t, err, ErrInvalidWrappingToken)
	body, err := Unwrap(ctx, bus, nw.Token)
	require.NoError(t, err)
	require.JSONEq(t, `{"x":1}`, string(body))
	_, err = Unwrap(ctx, bus, "")
	require.ErrorIs(t, err, ErrInvalidWrappingToken)
}
