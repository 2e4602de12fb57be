package commands_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/kv"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
	"github.com/cofferhq/coffer/projections/kvstore"
)

type stack struct {
	env    *ledgertest.Env
	runner *kv.Runner
	reader kvstore.Reader
}

func start(t *testing.T) *stack {
	env := ledgertest.Start(t, ledgertest.Options{Register: []func(*projections.Projector){kvstore.Register}})
	reader := kvstore.Reader{Store: env.Store, Ledger: env.Ledger}
	return &stack{env: env, runner: &kv.Runner{Bus: env.Bus, Reader: reader}, reader: reader}
}

func record(typ string) ledger.Event {
	return ledger.MakeEvent(typ, auditevent.Record{Type: typ})
}

// types lists the event types of every message stored after seq `after`.
func (s *stack) messagesAfter(t *testing.T, after uint64) [][]string {
	t.Helper()
	ctx := context.Background()
	last, err := s.env.Ledger.LastSeq(ctx)
	require.NoError(t, err)
	var out [][]string
	for seq := after + 1; seq <= last; seq++ {
		m, err := s.env.Ledger.Get(ctx, seq)
		require.NoError(t, err)
		if m.Subject != ledger.SubjectBatch {
			continue
		}
		recs, err := s.env.Ledger.Decode(m)
		require.NoError(t, err)
		var types []string
		for _, r := range recs {
			types = append(types, r.Event.Type)
		}
		out = append(out, types)
	}
	return out
}

func (s *stack) last(t *testing.T) uint64 {
	seq, err := s.env.Ledger.LastSeq(context.Background())
	require.NoError(t, err)
	return seq
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return commands.WithMeta(ctx, commands.Meta{Actor: "test", RequestID: "req-1"})
}

// A KV write within a request is one message: request record, the
// version's events, response record; the write is readable once the
// response record is stored, and X-Vault-Index is the message's.
func TestWriteIsOneCommit(t *testing.T) {
	s := start(t)
	ctx, index := commands.WithIndexRecorder(ctxT(t))
	ctx = commands.WithAudit(ctx, record(auditevent.EventRequest))
	before := s.last(t)
	_, err := s.runner.Write(ctx, "m1", "app", []byte(`{"k":"v"}`), nil)
	require.NoError(t, err)
	assert.Equal(t, before, s.last(t), "held until the response record joins it")
	seq, err := s.env.Bus.Append(ctx, record(auditevent.EventResponse))
	require.NoError(t, err)
	s.env.Bus.CloseAudit(ctx)
	msgs := s.messagesAfter(t, before)
	require.Len(t, msgs, 1)
	assert.Equal(t, auditevent.EventRequest, msgs[0][0])
	assert.Equal(t, auditevent.EventResponse, msgs[0][len(msgs[0])-1])
	assert.Greater(t, len(msgs[0]), 2, "the version's events are inside")
	assert.Equal(t, seq, index.Load())
	meta, err := s.reader.Metadata("m1", "app")
	require.NoError(t, err, "applied before the response leaves")
	assert.Equal(t, uint64(1), meta.CurrentVersion)
}

// Run (a command whose caller reads its write back) stores the request
// record with its events; a request with no events stores both records
// together; AuditNow stores the request record on its own.
func TestRequestRecordRidesWithTheFirstMessage(t *testing.T) {
	s := start(t)
	ctx := commands.WithAudit(ctxT(t), record(auditevent.EventRequest))
	before := s.last(t)
	require.NoError(t, s.runner.DeleteLatest(ctx, "m1", "nothing-there"))
	five := uint32(5)
	require.NoError(t, s.runner.WriteConfig(ctx, "m1", kv.ConfigWrite{MaxVersions: &five}))
	_, err := s.env.Bus.Append(ctx, record(auditevent.EventResponse))
	require.NoError(t, err)
	msgs := s.messagesAfter(t, before)
	require.Len(t, msgs, 2)
	assert.Equal(t, auditevent.EventRequest, msgs[0][0])
	assert.NotContains(t, msgs[0][1:], auditevent.EventRequest)
	assert.Equal(t, []string{auditevent.EventResponse}, msgs[1])

	ctx = commands.WithAudit(ctxT(t), record(auditevent.EventRequest))
	before = s.last(t)
	_, err = s.env.Bus.Append(ctx, record(auditevent.EventResponse))
	require.NoError(t, err)
	assert.Equal(t, [][]string{{auditevent.EventRequest, auditevent.EventResponse}}, s.messagesAfter(t, before))

	ctx = commands.WithAudit(ctxT(t), record(auditevent.EventRequest))
	before = s.last(t)
	require.NoError(t, s.env.Bus.AuditNow(ctx))
	assert.Equal(t, [][]string{{auditevent.EventRequest}}, s.messagesAfter(t, before), "durable before a side effect")
}

// A request that never stores its response record (the gateway could not
// append it) stores nothing of its held write, and erases nothing.
func TestClosedWithoutResponseStoresNothing(t *testing.T) {
	s := start(t)
	for i := range 11 {
		_, err := s.runner.Write(ctxT(t), "m1", "app", []byte(`{"i":1}`), nil)
		require.NoError(t, err, "write %d", i)
	}
	ctx := commands.WithAudit(ctxT(t), record(auditevent.EventRequest))
	before := s.last(t)
	w, err := s.runner.Write(ctx, "m1", "app", []byte(`{"k":"lost"}`), nil)
	require.NoError(t, err)
	require.NotEmpty(t, w.Erase, "this write would prune a version")
	s.env.Bus.CloseAudit(ctx)
	assert.Empty(t, s.messagesAfter(t, before))
	meta, err := s.reader.Metadata("m1", "app")
	require.NoError(t, err)
	assert.Equal(t, uint64(11), meta.CurrentVersion)
	_, err = s.reader.Value(ctxT(t), "m1", "app", 2)
	require.NoError(t, err, "the version it would have pruned is still readable")

	_, err = s.runner.Write(ctxT(t), "m1", "app", []byte(`{"k":"next"}`), nil)
	require.NoError(t, err, "its version is free again")
}
