package pki

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cofferhq/coffer/engines/pki/acme"
	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/projections/pkistore"
)

// acmeStore keeps the ACME server's objects in the ledger: every put is a
// pki.acme_object_put event on the object's own aggregate, every get a
// read of the projection. It is bound to one request's context.
type acmeStore struct {
	ctx context.Context
	b   *Backend
}

func (s acmeStore) put(kind, id, tp string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.b.runner.PutACME(s.ctx, pkievent.ACMEObjectPut{Kind: kind, ID: id, Thumbprint: tp, Object: raw})
}

func getACME[T any](s acmeStore, kind, id string) (*T, error) {
	raw, err := s.b.reader.ACMEObject(s.b.mount.Accessor, kind, id)
	if errors.Is(err, pkistore.ErrNotFound) {
		return nil, acme.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func (s acmeStore) PutAccount(a *acme.Account) error { return s.put("account", a.ID, a.Thumbprint, a) }
func (s acmeStore) Account(id string) (*acme.Account, error) {
	return getACME[acme.Account](s, "account", id)
}
func (s acmeStore) AccountByThumbprint(tp string) (*acme.Account, error) {
	id, err := s.b.reader.ACMEAccountByThumbprint(s.b.mount.Accessor, tp)
	if errors.Is(err, pkistore.ErrNotFound) {
		return nil, acme.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.Account(id)
}
func (s acmeStore) PutOrder(o *acme.Order) error { return s.put("order", o.ID, "", o) }
func (s acmeStore) Order(id string) (*acme.Order, error) {
	return getACME[acme.Order](s, "order", id)
}
func (s acmeStore) PutAuthz(a *acme.Authorization) error { return s.put("authz", a.ID, "", a) }
func (s acmeStore) Authz(id string) (*acme.Authorization, error) {
	return getACME[acme.Authorization](s, "authz", id)
}
func (s acmeStore) PutCert(id string, chain []byte) error {
	return s.b.runner.PutACME(s.ctx, pkievent.ACMEObjectPut{Kind: "cert", ID: id, Object: chain})
}
func (s acmeStore) Cert(id string) ([]byte, error) {
	raw, err := s.b.reader.ACMEObject(s.b.mount.Accessor, "cert", id)
	if errors.Is(err, pkistore.ErrNotFound) {
		return nil, acme.ErrNotFound
	}
	return raw, err
}
