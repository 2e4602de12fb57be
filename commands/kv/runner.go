package kv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/kvevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/kvstore"
)

// eraseTimeout bounds erasing data keys after the request that recorded
// the erasure is gone: erasure must not stop because a client hung up.
const eraseTimeout = 30 * time.Second

// Runner runs kv commands on the bus.
type Runner struct {
	Bus    *commands.Bus
	Reader kvstore.Reader
	// SweepEvery is the sweeper's period (sweeper.go); zero is
	// sweepInterval.
	SweepEvery time.Duration
}

// Secret names the secret at path on mount.
func (r *Runner) Secret(mount, path string) (Secret, error) {
	b := r.Reader.Ledger.Barrier()
	if b == nil {
		return Secret{}, ledger.ErrSealed
	}
	return Secret{Mount: mount, Path: path, Aggregate: kvevent.AggregateID(b, mount, path)}, nil
}

// Load reads a secret's state. The aggregate version is read before the
// metadata, so the metadata is never older than the version: a stale
// version only costs a conflict and a retry.
func (r *Runner) Load(sec Secret) (State, error) {
	version, err := r.Bus.Version(kvevent.AggregateKind, sec.Aggregate)
	if err != nil {
		return State{}, err
	}
	cfg, err := r.Reader.Config(sec.Mount)
	if err != nil {
		return State{}, err
	}
	meta, err := r.Reader.Metadata(sec.Mount, sec.Path)
	if errors.Is(err, kvstore.ErrNotFound) {
		meta, err = nil, nil
	}
	if err != nil {
		return State{}, err
	}
	return State{Config: cfg, Meta: meta, Version: version, Now: time.Now().UTC()}, nil
}

// run executes one decision loop on a secret. decide returns the events
// of one attempt; Run reports whether the last attempt's events may have
// been stored (then the caller must not undo its side effects).
func (r *Runner) run(ctx context.Context, mount, path string, decide func(State, Secret) ([]ledger.Event, error)) (stored bool, err error) {
	return r.runWith(r.Bus.Run, ctx, mount, path, decide)
}

// runWith is run through the bus's Run or RunLast. Writes and patches
// answer from what decide saw, so they use RunLast: within a request the
// version is stored in one message with its audit records.
func (r *Runner) runWith(runBus func(context.Context, commands.DecideFunc) (uint64, error), ctx context.Context, mount, path string, decide func(State, Secret) ([]ledger.Event, error)) (stored bool, err error) {
	sec, err := r.Secret(mount, path)
	if err != nil {
		return false, err
	}
	_, err = runBus(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		stored = false
		st, err := r.Load(sec)
		if err != nil {
			return nil, err
		}
		events, err := decide(st, sec)
		stored = err == nil && len(events) > 0
		return events, err
	})
	return stored, err
}

// Write stores value (a JSON object) as the next version of the secret.
func (r *Runner) Write(ctx context.Context, mount, path string, value []byte, cas *int64) (Written, error) {
	sealer := &dataKeySealer{ctx: ctx, keys: r.Reader.Ledger.DataKeys()}
	var out Written
	stored, err := r.runWith(r.Bus.RunLast, ctx, mount, path, func(st State, sec Secret) ([]ledger.Event, error) {
		events, w, err := DecideWrite(st, Write{Secret: sec, Value: value, CAS: cas, Sealer: sealer})
		out = w
		return events, err
	})
	return r.finishVersion(ctx, sealer, stored, out, err)
}

// WriteV1 stores value as a KV v1 secret's only value.
func (r *Runner) WriteV1(ctx context.Context, mount, path string, value []byte) (Written, error) {
	sealer := &dataKeySealer{ctx: ctx, keys: r.Reader.Ledger.DataKeys()}
	var out Written
	stored, err := r.run(ctx, mount, path, func(st State, sec Secret) ([]ledger.Event, error) {
		events, w, err := DecideWriteV1(st, Write{Secret: sec, Value: value, Sealer: sealer})
		out = w
		return events, err
	})
	return r.finishVersion(ctx, sealer, stored, out, err)
}

// DeleteV1 removes a KV v1 secret, then erases its data keys.
func (r *Runner) DeleteV1(ctx context.Context, mount, path string) error {
	return r.deleteAll(ctx, mount, path, DecideDeleteV1)
}

// Patch merge-patches the current version into the next one.
func (r *Runner) Patch(ctx context.Context, mount, path string, patch map[string]any, cas *int64) (Written, error) {
	sealer := &dataKeySealer{ctx: ctx, keys: r.Reader.Ledger.DataKeys()}
	var out Written
	stored, err := r.runWith(r.Bus.RunLast, ctx, mount, path, func(st State, sec Secret) ([]ledger.Event, error) {
		current, err := r.currentValue(ctx, st, sec)
		if err != nil {
			return nil, err
		}
		events, w, err := DecidePatch(st, current, Patch{Secret: sec, Patch: patch, CAS: cas, Sealer: sealer})
		out = w
		return events, err
	})
	return r.finishVersion(ctx, sealer, stored, out, err)
}

// currentValue opens the current version for a patch. A version whose data
// key is gone is marked destroyed in st (which is this attempt's own copy).
func (r *Runner) currentValue(ctx context.Context, st State, sec Secret) ([]byte, error) {
	if st.Meta == nil {
		return nil, nil
	}
	n := st.Meta.CurrentVersion
	vm, ok := st.Meta.Versions[n]
	if !ok || !vm.Readable(st.Now) {
		return nil, nil
	}
	v, err := r.Reader.Value(ctx, sec.Mount, sec.Path, n)
	if errors.Is(err, kvstore.ErrErased) || errors.Is(err, kvstore.ErrNotFound) {
		vm.Destroyed = true
		st.Meta.Versions[n] = vm
		return nil, nil
	}
	return v, err
}

func (r *Runner) finishVersion(ctx context.Context, sealer *dataKeySealer, stored bool, out Written, err error) (Written, error) {
	if err != nil {
		if !stored {
			sealer.discard()
		}
		return Written{}, err
	}
	// Versions pruned by max_versions are erased in the background, not
	// inline, and without an erase job: the ledger message that stores
	// this write records them destroyed, and the read model lists their
	// keys until the sweeper has seen them erased (sweeper.go), so a crash
	// only delays the erasure. Queuing a job (DestroyLater) cost every
	// pruning write a second fsync before its answer.
	// After the commit: a write held for its audit record (RunLast) is not
	// stored yet, and a version must not be erased for a write that fails.
	if len(out.Erase) > 0 {
		keys := r.Reader.Ledger.DataKeys()
		erase := out.Erase
		commands.AfterCommit(ctx, func(context.Context) { keys.EraseSoon(erase...) })
	}
	return out, nil
}

// DeleteLatest soft-deletes the current version.
func (r *Runner) DeleteLatest(ctx context.Context, mount, path string) error {
	_, err := r.run(ctx, mount, path, func(st State, sec Secret) ([]ledger.Event, error) {
		return DecideDeleteLatest(st, sec), nil
	})
	return err
}

// DeleteVersions soft-deletes versions.
func (r *Runner) DeleteVersions(ctx context.Context, mount, path string, versions []uint64) error {
	_, err := r.run(ctx, mount, path, func(st State, sec Secret) ([]ledger.Event, error) {
		return DecideDeleteVersions(st, sec, versions)
	})
	return err
}

// Undelete restores soft-deleted versions.
func (r *Runner) Undelete(ctx context.Context, mount, path string, versions []uint64) error {
	_, err := r.run(ctx, mount, path, func(st State, sec Secret) ([]ledger.Event, error) {
		return DecideUndelete(st, sec, versions)
	})
	return err
}

// Destroy records the destruction of versions, then erases their data
// keys.
func (r *Runner) Destroy(ctx context.Context, mount, path string, versions []uint64) error {
	var erase []string
	_, err := r.run(ctx, mount, path, func(st State, sec Secret) ([]ledger.Event, error) {
		events, keys, err := DecideDestroy(st, sec, versions)
		erase = keys
		return events, err
	})
	if err != nil {
		return err
	}
	return r.erase(ctx, erase)
}

// WriteMetadata sets a secret's settings and returns Vault's warnings.
func (r *Runner) WriteMetadata(ctx context.Context, mount, path string, cmd MetadataWrite) ([]string, error) {
	var warnings []string
	_, err := r.run(ctx, mount, path, func(st State, sec Secret) ([]ledger.Event, error) {
		events, w, err := DecideMetadataWrite(st, sec, cmd)
		warnings = w
		return events, err
	})
	return warnings, err
}

// PatchMetadata merge-patches a secret's settings.
func (r *Runner) PatchMetadata(ctx context.Context, mount, path string, cmd MetadataPatch) ([]string, error) {
	var warnings []string
	_, err := r.run(ctx, mount, path, func(st State, sec Secret) ([]ledger.Event, error) {
		events, w, err := DecideMetadataPatch(st, sec, cmd)
		warnings = w
		return events, err
	})
	return warnings, err
}

// DeleteMetadata removes a secret and all its versions, then erases every
// data key it had.
func (r *Runner) DeleteMetadata(ctx context.Context, mount, path string) error {
	return r.deleteAll(ctx, mount, path, DecideMetadataDelete)
}

// deleteAll runs a decision that removes a secret, then erases every
// data key it had.
func (r *Runner) deleteAll(ctx context.Context, mount, path string, decide func(State, Secret) ([]ledger.Event, []string)) error {
	var erase []string
	_, err := r.run(ctx, mount, path, func(st State, sec Secret) ([]ledger.Event, error) {
		events, keys := decide(st, sec)
		erase = keys
		return events, nil
	})
	if err != nil {
		return err
	}
	return r.erase(ctx, erase)
}

// WriteConfig changes the mount's engine config.
func (r *Runner) WriteConfig(ctx context.Context, mount string, cmd ConfigWrite) error {
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		version, err := r.Bus.Version(kvevent.AggregateKind, kvevent.ConfigAggregateID(mount))
		if err != nil {
			return nil, err
		}
		cfg, err := r.Reader.Config(mount)
		if err != nil {
			return nil, err
		}
		return DecideConfigWrite(cfg, version, mount, cmd), nil
	})
	return err
}

// erase destroys data keys. It outlives the request's cancellation: the
// ledger already says these keys are gone.
func (r *Runner) erase(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), eraseTimeout)
	defer cancel()
	var (
		errs   []error
		failed []string
	)
	for _, id := range ids {
		if err := r.Reader.Ledger.DataKeys().Destroy(ctx, id); err != nil {
			errs = append(errs, err)
			failed = append(failed, id)
		}
	}
	if len(errs) > 0 {
		// Hand what failed to the eraser queue, which retries until done.
		_ = r.Reader.Ledger.DataKeys().DestroyLater(ctx, failed...)
		return fmt.Errorf("kv: erase %d of %d data keys: %w", len(errs), len(ids), errors.Join(errs...))
	}
	return nil
}
