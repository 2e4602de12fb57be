package pkistore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/events/pkievent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Register installs the PKI apply functions on the projector.
func Register(p *projections.Projector) {
	p.Handle(pkievent.EventKeyCreated, decoded(applyKeyCreated))
	p.Handle(pkievent.EventKeyUpdated, decoded(applyKeyUpdated))
	p.Handle(pkievent.EventKeyDeleted, decoded(applyKeyDeleted))
	p.Handle(pkievent.EventIssuerCreated, decoded(applyIssuerCreated))
	p.Handle(pkievent.EventIssuerUpdated, decoded(applyIssuerUpdated))
	p.Handle(pkievent.EventIssuerDeleted, decoded(applyIssuerDeleted))
	p.Handle(pkievent.EventDefaultsSet, decoded(applyDefaultsSet))
	p.Handle(pkievent.EventURLsConfigured, decoded(applyURLs))
	p.Handle(pkievent.EventCRLConfigured, decoded(applyCRLConfig))
	p.Handle(pkievent.EventCRLRotated, decoded(applyCRLRotated))
	p.Handle(pkievent.EventRoleWritten, decoded(applyRoleWritten))
	p.Handle(pkievent.EventRoleDeleted, decoded(applyRoleDeleted))
	p.Handle(pkievent.EventCertIssued, decoded(applyCertIssued))
	p.Handle(pkievent.EventCertRevoked, decoded(applyCertRevoked))
	p.Handle(pkievent.EventCertTidied, decoded(applyCertTidied))
	registerACME(p)
	registerTidy(p)
}

func decoded[T any](fn func(tx *projections.Tx, e *T) error) projections.ApplyFunc {
	return projections.Decoded(ErrCorruptRecord, fn)
}

// sealJSON marshals v and seals it under the barrier, bound to key.
func sealJSON(tx *projections.Tx, key []byte, v any) error {
	b := tx.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("pkistore: marshal: %w", err)
	}
	return tx.Set(key, b.Seal(key, raw))
}

// changeMount loads the mount aggregate, lets fn change it and saves it.
func changeMount(tx *projections.Tx, mount string, fn func(m *pkievent.Mount) error) error {
	b := tx.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	m, err := loadMount(tx, b, mount)
	if err != nil {
		return err
	}
	if err := fn(m); err != nil {
		return err
	}
	return sealJSON(tx, mountKey(mount), m)
}

func applyKeyCreated(tx *projections.Tx, e *pkievent.KeyCreated) error {
	if len(e.Sealed) == 0 {
		return fmt.Errorf("%w: key %s has no sealed material", ErrCorruptRecord, e.Key.ID)
	}
	if err := tx.Set(privateKey(e.Mount, e.Key.ID), e.Sealed); err != nil {
		return err
	}
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		k := e.Key
		m.Keys[k.ID] = &k
		return nil
	})
}

func applyKeyUpdated(tx *projections.Tx, e *pkievent.KeyUpdated) error {
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		k, ok := m.Keys[e.KeyID]
		if !ok {
			return fmt.Errorf("%w: update of missing key %s", ErrCorruptRecord, e.KeyID)
		}
		c := *k
		c.Name = e.Name
		m.Keys[e.KeyID] = &c
		return nil
	})
}

func applyKeyDeleted(tx *projections.Tx, e *pkievent.KeyDeleted) error {
	if err := tx.Delete(privateKey(e.Mount, e.KeyID)); err != nil {
		return err
	}
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		delete(m.Keys, e.KeyID)
		if m.Config.DefaultKey == e.KeyID {
			m.Config.DefaultKey = ""
		}
		return nil
	})
}

func applyIssuerCreated(tx *projections.Tx, e *pkievent.IssuerCreated) error {
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		is := e.Issuer
		m.Issuers[is.ID] = &is
		return nil
	})
}

func applyIssuerUpdated(tx *projections.Tx, e *pkievent.IssuerUpdated) error {
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		if _, ok := m.Issuers[e.Issuer.ID]; !ok {
			return fmt.Errorf("%w: update of missing issuer %s", ErrCorruptRecord, e.Issuer.ID)
		}
		is := e.Issuer
		m.Issuers[is.ID] = &is
		return nil
	})
}

func applyIssuerDeleted(tx *projections.Tx, e *pkievent.IssuerDeleted) error {
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		delete(m.Issuers, e.IssuerID)
		if m.Config.DefaultIssuer == e.IssuerID {
			m.Config.DefaultIssuer = ""
		}
		return nil
	})
}

func applyDefaultsSet(tx *projections.Tx, e *pkievent.DefaultsSet) error {
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		m.Config.DefaultIssuer, m.Config.DefaultKey = e.DefaultIssuer, e.DefaultKey
		return nil
	})
}

func applyURLs(tx *projections.Tx, e *pkievent.URLsConfigured) error {
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		m.Config.URLs = e.URLs
		return nil
	})
}

func applyCRLConfig(tx *projections.Tx, e *pkievent.CRLConfigured) error {
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		c := e.Config
		m.Config.CRL = &c
		return nil
	})
}

func applyCRLRotated(tx *projections.Tx, e *pkievent.CRLRotated) error {
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		m.Config.CRLNumber++
		m.Config.CRLBase, m.Config.CRLBaseAt = m.Config.CRLNumber, e.At
		return nil
	})
}

func applyRoleWritten(tx *projections.Tx, e *pkievent.RoleWritten) error {
	if !json.Valid(e.Role) {
		return fmt.Errorf("%w: role %q is not JSON", ErrCorruptRecord, e.Name)
	}
	b := tx.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	return sealJSON(tx, roleKey(b, e.Mount, e.Name), roleRecord{Name: e.Name, Role: e.Role})
}

func applyRoleDeleted(tx *projections.Tx, e *pkievent.RoleDeleted) error {
	b := tx.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	return tx.Delete(roleKey(b, e.Mount, e.Name))
}

func applyCertIssued(tx *projections.Tx, e *pkievent.CertIssued) error {
	if e.Cert.NoStore {
		// Not listed, fetched or revoked, as Vault; the ledger keeps the
		// issuance, and this record only holds its serial and expiry.
		return sealJSON(tx, noStoreKey(e.Mount, e.Cert.Serial), e.Cert)
	}
	return sealJSON(tx, certKey(e.Mount, e.Cert.Serial), e.Cert)
}

func applyCertRevoked(tx *projections.Tx, e *pkievent.CertRevoked) error {
	b := tx.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	c, err := loadCert(tx, b, e.Mount, e.Serial)
	if errors.Is(err, ErrNotFound) {
		// A no_store certificate's record holds no PEM, but it exists; a
		// missing one was tidied: the entry is still listed on the CRL.
		c = &pkievent.Cert{Serial: e.Serial, IssuerID: e.IssuerID}
	} else if err != nil {
		return err
	}
	c.RevokedAt = e.RevokedAt
	if err := sealJSON(tx, certKey(e.Mount, e.Serial), c); err != nil {
		return err
	}
	at := binary.BigEndian.AppendUint64(nil, uint64(e.RevokedAt.UnixNano()))
	if err := tx.Set(revokedKey(e.Mount, e.IssuerID, e.Serial), at); err != nil {
		return err
	}
	return changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
		m.Config.CRLNumber++
		return nil
	})
}

func applyCertTidied(tx *projections.Tx, e *pkievent.CertTidied) error {
	b := tx.Barrier()
	if b == nil {
		return ledger.ErrSealed
	}
	c, err := loadCert(tx, b, e.Mount, e.Serial)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !c.RevokedAt.IsZero() {
		if err := tx.Delete(revokedKey(e.Mount, c.IssuerID, e.Serial)); err != nil {
			return err
		}
		// The CRL loses an entry: it gets a new number, so every node
		// rebuilds it.
		if err := changeMount(tx, e.Mount, func(m *pkievent.Mount) error {
			m.Config.CRLNumber++
			return nil
		}); err != nil {
			return err
		}
	}
	return tx.Delete(certKey(e.Mount, e.Serial))
}
