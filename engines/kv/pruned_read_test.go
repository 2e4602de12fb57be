package kv_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// TestReadOfVersionPrunedUnderItIsNotDestroyed: the eraser can erase a
// pruned version's data key (on the node that runs it) before this node
// has applied the write that pruned the version. A read caught between
// the two must not answer "destroyed" (the version never was): it waits
// for the projection and reads the version that replaced it. Found by the
// cluster's linearizability check.
func TestReadOfVersionPrunedUnderItIsNotDestroyed(t *testing.T) {
	e := startEngine(t)
	res := e.do(framework.UpdateOperation, "metadata/app", map[string]any{"max_versions": 1})
	require.Equal(t, http.StatusNoContent, res.status, res.errs)
	e.write("app", map[string]any{"v": "one"})

	// The eraser got there first: version 1's key is gone while the
	// projection still has version 1 as current.
	reader := kvstore.Reader{Store: e.deps.Store, Ledger: e.deps.Ledger}
	meta, err := reader.Metadata(accessor, "app")
	require.NoError(t, err)
	require.NoError(t, e.deps.Ledger.DataKeys().Destroy(context.Background(), meta.Versions[1].DataKey))

	read := make(chan result, 1)
	go func() { read <- e.do(framework.ReadOperation, "data/app", nil) }()
	// The pruning write lands while the read is waiting.
	time.Sleep(200 * time.Millisecond)
	e.write("app", map[string]any{"v": "two"})

	got := <-read
	require.Equal(t, http.StatusOK, got.status, "a pruned version read as destroyed: %s", got.raw)
	require.Equal(t, map[string]any{"v": "two"}, got.data["data"])
}
