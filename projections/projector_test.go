package projections_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

const (
	thingSet   = "test.thing_set"
	auditThing = "test.audit_record" // no apply function, no aggregate: an audit record
)

var thingKey = []byte("thing/x")

func registerThing(p *projections.Projector) {
	p.Handle(thingSet, func(tx *projections.Tx, rec ledger.Record) error {
		return tx.Set(thingKey, rec.Data)
	})
}

// seen collects, per ledger index, the types the observers were given.
type seen struct {
	mu    sync.Mutex
	types map[uint64][]string
}

func (s *seen) observe(recs []ledger.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		s.types[r.Seq] = append(s.types[r.Seq], r.Type)
	}
}

func (s *seen) at(seq uint64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.types[seq]
}

func appendWait(t *testing.T, env *ledgertest.Env, events ...ledger.Event) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seq, err := env.Ledger.Writer().Append(ctx, events...)
	require.NoError(t, err)
	require.NoError(t, env.Store.WaitApplied(ctx, seq))
	return seq
}

func thing(version uint64, value string) ledger.Event {
	e := ledger.NewEvent(thingSet, 1, value)
	e.Kind, e.Aggregate, e.Version = "thing", "x", version
	return e
}

func audit() ledger.Event { return ledger.NewEvent(auditThing, 1, map[string]string{"path": "x"}) }

// TestAuditOnlyMessagesWriteNothing: a message of audit records only
// moves applied_seq in memory and reaches the observers, but writes no
// pebble batch; the next message that projects something stores
// applied_seq past it, a run of maxUnsaved such messages stores it
// anyway, and a restart that replays them ends where it was.
func TestAuditOnlyMessagesWriteNothing(t *testing.T) {
	obs := &seen{types: map[uint64][]string{}}
	opts := ledgertest.Options{
		Register: []func(*projections.Projector){registerThing},
		Setup:    func(e *ledgertest.Env) { e.Projector.Observe(obs.observe) },
	}
	env := ledgertest.Start(t, opts)

	d1 := appendWait(t, env, thing(1, "one"))
	stored, err := env.Store.StoredAppliedSeq()
	require.NoError(t, err)
	require.Equal(t, d1, stored)

	gen := env.Store.Generation()
	var last uint64
	for range 3 {
		last = appendWait(t, env, audit(), audit())
	}
	require.Equal(t, gen, env.Store.Generation(), "nothing committed to pebble")
	require.Equal(t, last, env.Store.AppliedSeq(), "applied in memory")
	require.Equal(t, []string{auditThing, auditThing}, obs.at(last), "observers see audit records")
	stored, err = env.Store.StoredAppliedSeq()
	require.NoError(t, err)
	require.Equal(t, d1, stored, "no pebble batch for audit records")

	// A message with both: projected in one batch with its applied_seq.
	d2 := appendWait(t, env, audit(), thing(2, "two"), audit())
	require.NotEqual(t, gen, env.Store.Generation(), "a committed batch moves the generation")
	stored, err = env.Store.StoredAppliedSeq()
	require.NoError(t, err)
	require.Equal(t, d2, stored)
	v, err := env.Store.Get(thingKey)
	require.NoError(t, err)
	require.JSONEq(t, `"two"`, string(v))
	ver, err := env.Store.AggregateVersion("thing", "x")
	require.NoError(t, err)
	require.EqualValues(t, 2, ver)

	// One message per append: the first MaxUnsaved are passed, the next
	// stores applied_seq, the last is passed again.
	for range projections.MaxUnsaved + 2 {
		last = appendWait(t, env, audit())
	}
	stored, err = env.Store.StoredAppliedSeq()
	require.NoError(t, err)
	require.Greater(t, stored, d2, "a long run of audit records still moves the stored applied_seq")
	require.Less(t, stored, last)

	env.Restart(t)
	require.Equal(t, last, env.Store.AppliedSeq(), "caught up again after replaying the audit records")
	v, err = env.Store.Get(thingKey)
	require.NoError(t, err)
	require.JSONEq(t, `"two"`, string(v))
	require.Equal(t, []string{auditThing, auditThing}, obs.at(last), "replayed records reach the observers again")

	// The same ledger projected from nothing gives the same read model;
	// two stores never share a generation.
	fresh := env.Replay(t)
	require.NotEqual(t, fresh.Generation(), env.Store.Generation())
	v, err = fresh.Get(thingKey)
	require.NoError(t, err)
	require.JSONEq(t, `"two"`, string(v))
}

// BenchmarkApplyAuditMessage: the projector's work for one message of 14
// audit records (a group of seven reads under load), as it is now
// ("audit-only": decode, observers, no pebble batch) and as it was
// ("batch": the same message when a read model handles its type, so the
// indexed batch, applied_seq and commit happen as they did for every
// message before).
func BenchmarkApplyAuditMessage(b *testing.B) {
	env := ledgertest.Start(b, ledgertest.Options{NoProjections: true})
	events := make([]ledger.Event, 14)
	for i := range events {
		events[i] = ledger.NewEvent(auditThing, 1, map[string]any{
			"type": "response", "path": "secret/data/bench/key-17", "operation": "read",
			"client_token": "hmac-sha256:1f0a6d2c3b4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
			"accessor":     "hmac-sha256:9a8b7c6d5e4f30211f0e9d8c7b6a5f4e3d2c1b0a99887766554433221100ffee",
			"data":         map[string]any{"data": map[string]any{"value": "hmac-sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}},
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seq, err := env.Ledger.Writer().Append(ctx, events...)
	require.NoError(b, err)
	var m ledger.Message
	cctx, stop := context.WithCancel(ctx)
	_ = env.Ledger.Consume(cctx, seq, func(got ledger.Message) error {
		m = got
		stop()
		return nil
	})
	require.Equal(b, seq, m.Seq)
	for _, handled := range []bool{false, true} {
		name := "audit-only"
		if handled {
			name = "batch"
		}
		b.Run(name, func(b *testing.B) {
			ps, err := projections.Open(filepath.Join(b.TempDir(), "p"))
			require.NoError(b, err)
			defer ps.Close()
			p := projections.NewProjector(ps, env.Ledger, slog.New(slog.DiscardHandler))
			if handled {
				p.Handle(auditThing, func(*projections.Tx, ledger.Record) error { return nil })
			}
			p.Observe(func([]ledger.Record) {})
			msg := m
			b.ReportAllocs()
			defer ledgertest.CPUPerOp(b)()
			for b.Loop() {
				msg.Seq++
				if err := p.ApplyMessage(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
