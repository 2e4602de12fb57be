package lease

import (
	"context"
	"errors"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/commands/lease"
	"github.com/cofferhq/coffer/events/leaseevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/leasestore"
)

// scanBatch bounds how many due leases one scheduler tick expires.
const scanBatch = 500

// Start runs the scheduler, the reaper and the start-up sweep until ctx
// ends. On a cluster only the elected node would run it; a single node
// always does.
func (m *Manager) Start(ctx context.Context) error {
	if err := m.StartReaper(ctx); err != nil {
		return err
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.RunScheduler(ctx)
	}()
	return nil
}

// StartReaper starts the reaper alone: a consumer of the shared job
// queue, which every node of a cluster runs (the jobs spread over them).
func (m *Manager) StartReaper(ctx context.Context) error {
	r, err := newReaper(ctx, m)
	if err != nil {
		return err
	}
	m.reaper = r
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := r.run(ctx); err != nil && ctx.Err() == nil {
			m.deps.Log.Error("reaper stopped", "err", err)
		}
	}()
	return nil
}

// RunScheduler turns due leases into expiries until ctx ends; in a
// cluster only the elected node runs it.
func (m *Manager) RunScheduler(ctx context.Context) { m.schedule(ctx) }

// Wait blocks until the loops Start began have stopped (after their
// context ended), so the stores they read can be closed safely.
func (m *Manager) Wait() { m.wg.Wait() }

func (m *Manager) schedule(ctx context.Context) {
	tick := time.NewTicker(m.opts.ScanInterval)
	defer tick.Stop()
	lastSweep := time.Time{}
	for {
		if time.Since(lastSweep) > 15*time.Second {
			if err := m.sweep(ctx); err != nil && ctx.Err() == nil {
				m.deps.Log.Warn("lease sweep", "err", err)
			}
			lastSweep = time.Now()
		}
		for {
			n, err := m.expireDue(ctx, m.now())
			if err != nil && ctx.Err() == nil {
				m.deps.Log.Warn("lease scheduler", "err", err)
			}
			if n < scanBatch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// expireDue appends lease.expired for up to scanBatch due leases in one
// append, then enqueues their revocations. It returns how many it expired.
func (m *Manager) expireDue(ctx context.Context, now time.Time) (int, error) {
	ids, err := leasestore.DueBefore(m.deps.Store, now, scanBatch)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	var expired []string
	_, err = m.deps.Bus.Run(commands.WithMeta(ctx, commands.Meta{Actor: "system:scheduler"}), func(context.Context) ([]ledger.Event, error) {
		expired = expired[:0]
		var all []ledger.Event
		for _, id := range ids {
			st, err := m.get(id)
			if errors.Is(err, leaseevent.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if evs := lease.DecideExpire(st, now); len(evs) > 0 {
				all = append(all, commands.Sequence(leaseevent.Kind, id, st.Version, evs...)...)
				expired = append(expired, id)
			}
		}
		return all, nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range expired {
		if err := m.reaper.enqueue(ctx, id); err != nil {
			return len(expired), err
		}
	}
	// Only leases actually expired count: a due entry that cannot be
	// expired must not keep the scheduler's inner loop spinning.
	return len(expired), nil
}

// sweep re-enqueues every lease still waiting for revocation, and pending
// issues older than PendingTimeout (a crash between creating a credential
// and recording it).
func (m *Manager) sweep(ctx context.Context) error {
	var ids []string
	err := leasestore.Pending(m.deps.Store, func(id string) bool {
		ids = append(ids, id)
		return true
	})
	if err != nil {
		return err
	}
	now := m.now()
	for _, id := range ids {
		st, err := m.get(id)
		if err != nil {
			continue
		}
		if st.State == leaseevent.StatePending && now.Sub(st.IssuedAt) < m.opts.PendingTimeout {
			continue
		}
		if err := m.reaper.enqueue(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Irrevocable lists leases whose revocation failed at least IrrevocableAt
// times and that are still not revoked.
func (m *Manager) Irrevocable() ([]*leaseevent.State, error) {
	var out []*leaseevent.State
	var firstErr error
	err := leasestore.Pending(m.deps.Store, func(id string) bool {
		st, err := m.get(id)
		if err != nil {
			firstErr = err
			return false
		}
		if st.Attempts >= m.opts.IrrevocableAt {
			out = append(out, st)
		}
		return true
	})
	if err == nil {
		err = firstErr
	}
	return out, err
}
