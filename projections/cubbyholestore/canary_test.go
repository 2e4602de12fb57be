package cubbyholestore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cubbycmd "github.com/cofferhq/coffer/commands/cubbyhole"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// TestPathsAndTokensNotInPlaintext writes an entry under a canary path in
// the cubbyhole of a canary token, owned as the engine owns it (by the
// token's keyed hash), and scans every pebble key and value, live and
// replayed from the ledger: neither the path, nor its value, nor the token
// shows. The entry still reads and lists back.
func TestPathsAndTokensNotInPlaintext(t *testing.T) {
	le := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){cubbyholestore.Register, tokenstore.Register}})
	ctx := context.Background()
	token := "hvs.canarytoken" + ledger.NewID()
	dir := "canarydir" + ledger.NewID()[:12]
	path := dir + "/canaryentry" + ledger.NewID()[:12]
	value := "canaryvalue" + ledger.NewID()[:12]
	owner := tokenstore.Hash(le.Ledger.Barrier(), token)
	require.NoError(t, cubbycmd.Write(ctx, le.Bus, owner, path, map[string]any{"v": value}))

	for _, s := range []*projections.Store{le.Store, le.Replay(t)} {
		assert.Empty(t, ledgertest.RawHits(t, s, token, dir, path, value), "a cubbyhole name or value in plaintext in pebble")
	}
	got, err := cubbycmd.Read(ctx, le.Bus, owner, path)
	require.NoError(t, err)
	assert.Equal(t, value, got["v"])
	names, err := cubbycmd.List(ctx, le.Bus, owner, "")
	require.NoError(t, err)
	assert.Equal(t, []string{dir + "/"}, names)
}
