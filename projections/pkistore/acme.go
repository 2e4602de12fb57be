package pkistore

import (
	"errors"

	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

func registerACME(p *projections.Projector) {
	p.Handle(pkievent.EventACMEObjectPut, decoded(applyACMEObject))
	p.Handle(pkievent.EventACMEConfigured, decoded(func(tx *projections.Tx, e *pkievent.ACMEConfigured) error {
		return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
			c := e.Config
			m.Config.ACME = &c
			return nil
		})
	}))
	p.Handle(pkievent.EventClusterConfigured, decoded(func(tx *projections.Tx, e *pkievent.ClusterConfigured) error {
		return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
			m.Config.ClusterPath, m.Config.AIAPath = e.Path, e.AIAPath
			return nil
		})
	}))
}

func applyACMEObject(tx *projections.Tx, e *pkievent.ACMEObjectPut) error {
	b := tx.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	key := acmeKey(e.Mount, e.Kind, e.ID)
	if err := tx.Set(key, b.Seal(key, e.Object)); err != nil {
		return err
	}
	if e.Thumbprint != "" {
		return tx.Set(thumbprintKey(e.Mount, e.Thumbprint), []byte(e.ID))
	}
	return nil
}

// ACMEObject returns an ACME object's JSON, or ErrNotFound.
func (r Reader) ACMEObject(mount, kind, id string) ([]byte, error) {
	b, err := r.barrier()
	if err != nil {
		return nil, err
	}
	key := acmeKey(mount, kind, id)
	sealed, err := r.Store.Get(key)
	if errors.Is(err, projections.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return b.Open(key, sealed)
}

// ACMEAccountByThumbprint returns the id of the account with a key, or
// ErrNotFound.
func (r Reader) ACMEAccountByThumbprint(mount, tp string) (string, error) {
	v, err := r.Store.Get(thumbprintKey(mount, tp))
	if errors.Is(err, projections.ErrNotFound) {
		return "", ErrNotFound
	}
	return string(v), err
}
