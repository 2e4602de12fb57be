package events

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/ledger"
)

// appendAudit stores an audit.request record as the gateway would (its
// actor is the HMAC of the accessor).
func appendAudit(t *testing.T, s *stack, accessor, path, op string) uint64 {
	t.Helper()
	b := s.ledger.Barrier()
	e := ledger.NewEvent(auditevent.EventRequest, 1, map[string]any{
		"type": "request", "request": map[string]any{"id": ledger.NewID(), "operation": op, "path": path, "client_token_accessor": b.AuditHMAC(accessor)},
	})
	e.Actor = b.AuditHMAC(accessor)
	seq, err := s.deps.Bus.Append(metaCtx(t), e)
	require.NoError(t, err)
	return seq
}

func TestReplayFilters(t *testing.T) {
	s := startStack(t, nil)
	appendAudit(t, s, "acc-alice", "secret/data/app/db", "read")
	appendAudit(t, s, "acc-bob", "secret/data/other", "read")
	s.put(t, "app/db", "pw")
	s.put(t, "other", "pw")
	ctx := metaCtx(t)
	last, err := s.ledger.LastSeq(ctx)
	require.NoError(t, err)

	page, err := s.hub.Replay(ctx, ReplayQuery{From: 1, To: last, PathPrefix: "secret/data/app", Limit: 100})
	require.NoError(t, err)
	var types []string
	for _, e := range page.Entries {
		types = append(types, e.Type)
		assert.NotContains(t, string(e.Audit), "pw")
	}
	assert.Equal(t, []string{"audit.request", "kv-v2/data-write"}, types)

	page, err = s.hub.Replay(ctx, ReplayQuery{From: 1, To: last, Actor: "acc-alice", Limit: 100})
	require.NoError(t, err)
	require.Len(t, page.Entries, 1, "the raw accessor finds the HMAC'd audit actor")
	assert.Equal(t, "secret/data/app/db", page.Entries[0].Path)
	assert.Equal(t, "read", page.Entries[0].Operation)

	page, err = s.hub.Replay(ctx, ReplayQuery{From: 1, To: last, Actor: "acc-writer", Type: "kv-v2/*", Limit: 100})
	require.NoError(t, err)
	require.Len(t, page.Entries, 2)
	assert.Equal(t, "secret/data/other", page.Entries[1].Event.Data.Event.Metadata["data_path"])

	page, err = s.hub.Replay(ctx, ReplayQuery{From: 1, To: last, Type: "audit.*", Limit: 100})
	require.NoError(t, err)
	assert.Len(t, page.Entries, 2)
}

func TestReplayPaginationAndRange(t *testing.T) {
	s := startStack(t, nil)
	var idx []uint64
	for _, p := range []string{"a", "b", "c", "d", "e"} {
		idx = append(idx, s.put(t, p, "x"))
	}
	ctx := metaCtx(t)
	q := ReplayQuery{From: 1, To: idx[4], Type: "kv-v2/data-write", Limit: 2}
	var paths []string
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		page, err := s.hub.Replay(ctx, q)
		require.NoError(t, err)
		for _, e := range page.Entries {
			paths = append(paths, e.Path)
		}
		if page.Next == "" {
			break
		}
		c, err := ParseCursor(page.Next)
		require.NoError(t, err)
		q.After = &c
	}
	assert.Equal(t, []string{"secret/data/a", "secret/data/b", "secret/data/c", "secret/data/d", "secret/data/e"}, paths)

	page, err := s.hub.Replay(ctx, ReplayQuery{From: idx[1], To: idx[3], Type: "kv-v2/*"})
	require.NoError(t, err)
	require.Len(t, page.Entries, 3)
	assert.Equal(t, "secret/data/b", page.Entries[0].Path)
	assert.Equal(t, "secret/data/d", page.Entries[2].Path)
}

func TestTimePositions(t *testing.T) {
	s := startStack(t, nil)
	first := s.put(t, "t1", "x")
	testkit.Mark(t) // t1 is stamped strictly before mark
	mark := testkit.Mark(t)
	second := s.put(t, "t2", "x")
	ctx := metaCtx(t)
	got, err := position{time: mark, isTime: true}.firstIndex(ctx, s.ledger)
	require.NoError(t, err)
	assert.Greater(t, got, first)
	assert.LessOrEqual(t, got, second)
	lastBefore, err := position{time: mark, isTime: true}.lastIndex(ctx, s.ledger)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, lastBefore, first)
	assert.Less(t, lastBefore, second)
}

func TestStateAtShowsThePast(t *testing.T) {
	s := startStack(t, nil)
	ctx := metaCtx(t)
	require.NoError(t, writePolicy(ctx, s, "ops", `path "a/*" { capabilities = ["read"] }`))
	v1 := s.put(t, "app", "one")
	s.put(t, "app", "two")
	require.NoError(t, writePolicy(ctx, s, "ops", `path "b/*" { capabilities = ["read"] }`))

	describe := func(index uint64, path string) (map[string]any, error) {
		var out map[string]any
		err := s.hub.withStateAt(ctx, index, func(sc *framework.StateView) error {
			var err error
			out, err = s.hub.describe(sc, path)
			return err
		})
		return out, err
	}
	kvThen, err := describe(v1, "secret/data/app")
	require.NoError(t, err)
	assert.EqualValues(t, 1, kvThen["current_version"])
	assert.Len(t, kvThen["versions"], 1)
	kvNow, err := describe(v1+100, "secret/metadata/app") // beyond the end: clamped to now
	require.NoError(t, err)
	assert.EqualValues(t, 2, kvNow["current_version"])

	pol, err := describe(v1, "sys/policies/acl/ops")
	require.NoError(t, err)
	assert.Contains(t, pol["policy"], `path "a/*"`)

	_, err = describe(1, "secret/data/app")
	assert.True(t, errors.Is(err, ErrUnsupportedPath) || errors.Is(err, framework.ErrNotFound), "before the mount existed: %v", err)
	_, err = describe(v1, "secret/data/missing")
	assert.ErrorIs(t, err, framework.ErrNotFound)
	_, err = describe(v1, "nope/whatever")
	assert.ErrorIs(t, err, ErrUnsupportedPath)
}

func TestStateAtRunsOneAtATime(t *testing.T) {
	s := startStack(t, nil)
	idx := s.put(t, "a", "x")
	entered, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.hub.withStateAt(context.Background(), idx, func(*framework.StateView) error {
			close(entered)
			<-release
			return nil
		})
	}()
	<-entered
	err := s.hub.withStateAt(commands.WithMeta(context.Background(), commands.Meta{}), idx, func(*framework.StateView) error { return nil })
	close(release)
	assert.ErrorIs(t, err, ErrBusy)
}
