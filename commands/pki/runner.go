package pki

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/pkistore"
)

// Runner executes PKI commands for one mount.
type Runner struct {
	Bus    *commands.Bus
	Reader pkistore.Reader
	Mount  string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) dataKeys() *ledger.DataKeys { return r.Bus.Ledger.DataKeys() }

// LoadMount reads the mount aggregate; the version is read before the
// record, so a newer record only causes a conflict and a retry.
func (r *Runner) LoadMount() (MountState, error) {
	v, err := r.Bus.Version(pkievent.KindMount, r.Mount)
	if err != nil {
		return MountState{}, err
	}
	m, err := r.Reader.Mount(r.Mount)
	if err != nil {
		return MountState{}, err
	}
	return MountState{Mount: r.Mount, M: m, Version: v, Now: r.now()}, nil
}

// RunMount decides against the mount aggregate until the events are
// stored.
func (r *Runner) RunMount(ctx context.Context, decide func(MountState) ([]ledger.Event, error)) error {
	_, err := r.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		st, err := r.LoadMount()
		if err != nil {
			return nil, err
		}
		return decide(st)
	})
	return err
}

// SealKey seals a private key (PKCS#8 DER) under a fresh data key and
// returns the key's creation event. Discard destroys the data key when the
// event is not going to be stored.
func (r *Runner) SealKey(ctx context.Context, k pkievent.Key, pkcs8 []byte) (*pkievent.KeyCreated, error) {
	id, dk, err := r.dataKeys().Create(ctx)
	if err != nil {
		return nil, fmt.Errorf("pki: data key: %w", err)
	}
	k.DataKey = id
	sealed, err := ledger.SealWith(dk, pkievent.KeyAAD(r.Mount, k.ID, id), pkcs8)
	if err != nil {
		_ = r.dataKeys().Destroy(ctx, id)
		return nil, err
	}
	return &pkievent.KeyCreated{Mount: r.Mount, Key: k, Sealed: sealed}, nil
}

// Discard destroys the data key of a key whose creation was not stored.
func (r *Runner) Discard(ctx context.Context, kc *pkievent.KeyCreated) {
	if kc != nil {
		_ = r.dataKeys().Destroy(ctx, kc.Key.DataKey)
	}
}

// OpenKey returns a key's private key (PKCS#8 DER).
func (r *Runner) OpenKey(ctx context.Context, k *pkievent.Key) ([]byte, error) {
	sealed, err := r.Reader.SealedKey(r.Mount, k.ID)
	if err != nil {
		return nil, err
	}
	dk, err := r.dataKeys().Get(ctx, k.DataKey)
	if errors.Is(err, ledger.ErrDataKeyDestroyed) {
		return nil, ErrErased
	}
	if err != nil {
		return nil, fmt.Errorf("pki: data key: %w", err)
	}
	return ledger.OpenWith(dk, pkievent.KeyAAD(r.Mount, k.ID, k.DataKey), sealed)
}

// NewCA stores a new key and issuers (DecideNewCA). When nothing is
// stored the new key's data key is destroyed.
func (r *Runner) NewCA(ctx context.Context, c NewCA) error {
	err := r.RunMount(ctx, func(st MountState) ([]ledger.Event, error) { return DecideNewCA(st, c) })
	if err != nil {
		r.Discard(ctx, c.Key)
	}
	return err
}

// DeleteKey erases a key: its data key is destroyed first, then the
// deletion is recorded.
func (r *Runner) DeleteKey(ctx context.Context, id string) error {
	st, err := r.LoadMount()
	if err != nil {
		return err
	}
	k, ok := st.M.Keys[id]
	if !ok {
		return nil
	}
	if err := KeyDeletable(st.M, id); err != nil {
		return err
	}
	if err := r.dataKeys().Destroy(ctx, k.DataKey); err != nil {
		return fmt.Errorf("pki: erase data key: %w", err)
	}
	return r.RunMount(ctx, func(st MountState) ([]ledger.Event, error) { return DecideDeleteKey(st, id, k.DataKey) })
}

func (r *Runner) loadRole(name string) (RoleState, error) {
	v, err := r.Bus.Version(pkievent.KindRole, pkievent.RoleID(r.Mount, name))
	if err != nil {
		return RoleState{}, err
	}
	_, err = r.Reader.Role(r.Mount, name)
	if err != nil && !errors.Is(err, pkistore.ErrNotFound) {
		return RoleState{}, err
	}
	return RoleState{Mount: r.Mount, Name: name, Exists: err == nil, Version: v}, nil
}

// WriteRole stores a role's normalised JSON.
func (r *Runner) WriteRole(ctx context.Context, name string, role []byte) error {
	_, err := r.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		st, err := r.loadRole(name)
		if err != nil {
			return nil, err
		}
		return DecideRoleWrite(st, role)
	})
	return err
}

// DeleteRole deletes a role.
func (r *Runner) DeleteRole(ctx context.Context, name string) error {
	_, err := r.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		st, err := r.loadRole(name)
		if err != nil {
			return nil, err
		}
		return DecideRoleDelete(st)
	})
	return err
}

// LoadCert reads a certificate's aggregate.
func (r *Runner) LoadCert(serial string) (CertState, error) {
	v, err := r.Bus.Version(pkievent.KindCert, pkievent.CertID(r.Mount, serial))
	if err != nil {
		return CertState{}, err
	}
	c, err := r.Reader.Cert(r.Mount, serial)
	if errors.Is(err, pkistore.ErrNotFound) {
		c, err = nil, nil
	}
	if err != nil {
		return CertState{}, err
	}
	return CertState{Mount: r.Mount, Serial: serial, Cert: c, Version: v}, nil
}

// Issued records a certificate just signed. A new serial's aggregate is
// at version 0, so the decision needs no read of the store.
func (r *Runner) Issued(ctx context.Context, c pkievent.Cert) error {
	first := true
	_, err := r.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		st := CertState{Mount: r.Mount, Serial: c.Serial}
		if !first {
			var err error
			if st, err = r.LoadCert(c.Serial); err != nil {
				return nil, err
			}
		}
		first = false
		return DecideIssued(st, c)
	})
	return err
}

// Revoke revokes a certificate and returns its revocation time (the
// first one when it was already revoked).
func (r *Runner) Revoke(ctx context.Context, serial, lease string) (time.Time, error) {
	at := r.now()
	var revokedAt time.Time
	_, err := r.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		st, err := r.LoadCert(serial)
		if err != nil {
			return nil, err
		}
		revokedAt = at
		if st.Cert != nil && !st.Cert.RevokedAt.IsZero() {
			revokedAt = st.Cert.RevokedAt
		}
		return DecideRevoke(st, at, lease)
	})
	return revokedAt, err
}

// Tidy forgets a certificate.
func (r *Runner) Tidy(ctx context.Context, serial string) error {
	_, err := r.Bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		st, err := r.LoadCert(serial)
		if err != nil {
			return nil, err
		}
		return DecideTidy(st)
	})
	return err
}
