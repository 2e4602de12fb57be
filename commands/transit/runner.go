package transit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/transitevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/transitstore"
)

// staleRounds bounds the rounds of a command whose prepared material kept
// going stale (each round needs a concurrent change of the same key).
const staleRounds = 8

// Runner executes transit commands for one mount.
type Runner struct {
	Bus   *commands.Bus
	Mount string
	// Now is the clock (time.Now in UTC when nil).
	Now func() time.Time
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) dataKeys() *ledger.DataKeys { return r.Bus.Ledger.DataKeys() }

// Load reads the key's state. The aggregate version is read before the
// record, so a record newer than the version only causes a conflict and a
// retry, never a decision on an old record stamped with a new version.
func (r *Runner) Load(name string) (State, error) {
	v, err := r.Bus.Version(transitevent.AggregateKind, transitevent.AggregateID(r.Mount, name))
	if err != nil {
		return State{}, err
	}
	k, err := transitstore.Get(r.Bus.Projections, r.Mount, name)
	if errors.Is(err, transitstore.ErrNotFound) {
		k = nil
	} else if err != nil {
		return State{}, err
	}
	return State{Mount: r.Mount, Name: name, Key: k, Version: v, Now: r.now()}, nil
}

// dataKey returns the plaintext data key id, mapping erasure to ErrErased.
func (r *Runner) dataKey(ctx context.Context, id string) ([]byte, error) {
	key, err := r.dataKeys().Get(ctx, id)
	if errors.Is(err, ledger.ErrDataKeyDestroyed) {
		return nil, ErrErased
	}
	if err != nil {
		return nil, fmt.Errorf("transit: data key: %w", err)
	}
	return key, nil
}

func (r *Runner) sealVersion(dataKey []byte, dataKeyID, name string, version int, created time.Time, pub string, m Material) (transitevent.VersionRecord, error) {
	sealed, err := SealMaterial(dataKey, transitevent.MaterialAAD(r.Mount, name, version, dataKeyID), m)
	if err != nil {
		return transitevent.VersionRecord{}, err
	}
	return transitevent.VersionRecord{Version: version, CreatedTime: created, PublicKey: pub, Material: sealed}, nil
}

// Create makes the key. created is false when the key already existed (it
// is left as it was, as Vault does).
func (r *Runner) Create(ctx context.Context, name string, c CreateKey) (created bool, err error) {
	if err := c.Validate(); err != nil {
		return false, err
	}
	m, pub, err := Generate(c.Type, c.KeySize)
	if err != nil {
		return false, err
	}
	dkID, dk, err := r.dataKeys().Create(ctx)
	if err != nil {
		return false, fmt.Errorf("transit: data key: %w", err)
	}
	first, err := r.sealVersion(dk, dkID, name, 1, r.now(), pub, m)
	if err != nil {
		return false, err
	}
	var decideErr error
	_, err = r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := r.Load(name)
		if err != nil {
			return nil, err
		}
		events, err := DecideCreate(st, c, dkID, first)
		decideErr = err
		return events, err
	})
	if err != nil && errors.Is(err, decideErr) {
		// Nothing was appended: the data key protects nothing.
		_ = r.dataKeys().Destroy(ctx, dkID)
	}
	if errors.Is(err, ErrKeyExists) {
		return false, nil
	}
	return err == nil, err
}

// Rotate adds a version to the key. With auto set it rotates only a key
// whose auto_rotate_period has elapsed, and reports whether it did.
func (r *Runner) Rotate(ctx context.Context, name string, auto bool) (rotated bool, err error) {
	// Material is generated once per key type, not once per retry: RSA
	// keys take seconds to make.
	generated := map[KeyType]struct {
		m   Material
		pub string
	}{}
	_, err = r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		rotated = false
		st, err := r.Load(name)
		if err != nil {
			return nil, err
		}
		if st.Key == nil {
			if auto {
				return nil, nil
			}
			return nil, ErrNotFound
		}
		if auto && !DueForRotation(st.Key, st.Now) {
			return nil, nil
		}
		kt := KeyType(st.Key.Type)
		g, ok := generated[kt]
		if !ok {
			if g.m, g.pub, err = Generate(kt, st.Key.KeySize); err != nil {
				return nil, err
			}
			generated[kt] = g
		}
		dk, err := r.dataKey(ctx, st.Key.DataKey)
		if err != nil {
			return nil, err
		}
		next, err := r.sealVersion(dk, st.Key.DataKey, name, st.Key.LatestVersion+1, st.Now, g.pub, g.m)
		if err != nil {
			return nil, err
		}
		var events []ledger.Event
		if auto {
			events, err = DecideAutoRotate(st, next, st.Key.DataKey)
		} else {
			events, err = DecideRotate(st, next, st.Key.DataKey, false)
		}
		rotated = len(events) > 0
		return events, err
	})
	return rotated && err == nil, err
}

// Configure applies a config change and returns Vault's warnings.
func (r *Runner) Configure(ctx context.Context, name string, c ConfigChange) ([]string, error) {
	var warnings []string
	_, err := r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := r.Load(name)
		if err != nil {
			return nil, err
		}
		var events []ledger.Event
		events, warnings, err = DecideConfig(st, c)
		return events, err
	})
	return warnings, err
}

// Trim erases the versions below minAvailable: the kept versions are
// re-sealed under a new data key and, once the event is stored, the old
// data key is destroyed.
func (r *Runner) Trim(ctx context.Context, name string, minAvailable int) error {
	st, err := r.Load(name)
	if err != nil {
		return err
	}
	if _, err := DecideTrim(st, minAvailable, "", nil); err != nil && !errors.Is(err, ErrStale) {
		return err
	}
	if st.Key.MinAvailableVersion == minAvailable {
		return nil
	}
	newID, newKey, err := r.dataKeys().Create(ctx)
	if err != nil {
		return fmt.Errorf("transit: data key: %w", err)
	}
	var retired string
	var decideErr error
	appended := false
	_, err = r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		events, retiredKey, err := r.decideTrim(ctx, name, minAvailable, newID, newKey)
		retired, decideErr, appended = retiredKey, err, len(events) > 0
		return events, err
	})
	if (err != nil && errors.Is(err, decideErr)) || (err == nil && !appended) {
		_ = r.dataKeys().Destroy(ctx, newID)
	}
	if err != nil || !appended {
		return err
	}
	if err := r.dataKeys().Destroy(ctx, retired); err != nil {
		return fmt.Errorf("transit: trimmed, but the retired data key was not erased: %w", err)
	}
	return nil
}

func (r *Runner) decideTrim(ctx context.Context, name string, minAvailable int, newID string, newKey []byte) ([]ledger.Event, string, error) {
	st, err := r.Load(name)
	if err != nil {
		return nil, "", err
	}
	if st.Key == nil {
		events, err := DecideTrim(st, minAvailable, newID, nil)
		return events, "", err
	}
	old, err := r.dataKey(ctx, st.Key.DataKey)
	if err != nil {
		return nil, "", err
	}
	sealed, err := r.sealedVersions(name)
	if err != nil {
		return nil, "", err
	}
	var remaining []transitevent.VersionRecord
	for _, v := range KeptVersions(st.Key, minAvailable) {
		m, err := OpenMaterial(old, transitevent.MaterialAAD(r.Mount, name, v, st.Key.DataKey), sealed[v])
		if err != nil {
			return nil, "", err
		}
		info := st.Key.Versions[v]
		rec, err := r.sealVersion(newKey, newID, name, v, info.CreatedTime, info.PublicKey, m)
		if err != nil {
			return nil, "", err
		}
		remaining = append(remaining, rec)
	}
	events, err := DecideTrim(st, minAvailable, newID, remaining)
	return events, st.Key.DataKey, err
}

func (r *Runner) sealedVersions(name string) (map[int][]byte, error) {
	_, sealed, err := transitstore.Snapshot(r.Bus.Projections, r.Mount, name)
	return sealed, err
}

// Delete erases the key: its data key is destroyed first, then the
// deletion is recorded (see the package doc).
func (r *Runner) Delete(ctx context.Context, name string) error {
	for range staleRounds {
		st, err := r.Load(name)
		if err != nil {
			return err
		}
		if _, err := DecideDelete(st); err != nil {
			return err
		}
		erased := st.Key.DataKey
		if err := r.dataKeys().Destroy(ctx, erased); err != nil {
			return fmt.Errorf("transit: erase data key: %w", err)
		}
		_, err = r.Bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
			st, err := r.Load(name)
			if err != nil {
				return nil, err
			}
			return DecideErasedDelete(st, erased)
		})
		if errors.Is(err, ErrStale) {
			continue
		}
		return err
	}
	return ErrStale
}

// OpenVersions opens the material of every version of k (sealed as
// Snapshot returns it). It fails with ErrErased when the key's data key
// was destroyed.
func OpenVersions(ctx context.Context, dataKeys *ledger.DataKeys, mount string, k *transitevent.Key, sealed map[int][]byte) (map[int]Material, error) {
	dk, err := dataKeys.Get(ctx, k.DataKey)
	if errors.Is(err, ledger.ErrDataKeyDestroyed) {
		return nil, ErrErased
	}
	if err != nil {
		return nil, fmt.Errorf("transit: data key: %w", err)
	}
	out := make(map[int]Material, len(k.Versions))
	for v := range k.Versions {
		m, err := OpenMaterial(dk, transitevent.MaterialAAD(mount, k.Name, v, k.DataKey), sealed[v])
		if err != nil {
			return nil, err
		}
		out[v] = m
	}
	return out, nil
}
