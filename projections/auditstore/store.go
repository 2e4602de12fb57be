// Package auditstore is the read model of enabled audit devices.
package auditstore

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

var prefix = []byte("audev/")

func key(path string) []byte { return append(bytes.Clone(prefix), path...) }

// Register installs the apply functions.
func Register(p *projections.Projector) {
	p.Handle(auditevent.EventEnabled, func(tx *projections.Tx, rec ledger.Record) error {
		var d auditevent.Device
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return err
		}
		if d.StartSeq == 0 {
			d.StartSeq = rec.Seq
		}
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		return tx.Set(key(d.Path), b)
	})
	p.Handle(auditevent.EventDisabled, func(tx *projections.Tx, rec ledger.Record) error {
		return tx.Delete(key(rec.Aggregate))
	})
}

// Get returns the device at path, or auditevent.ErrNotFound.
func Get(s *projections.Store, path string) (*auditevent.Device, error) {
	b, err := s.Get(key(path))
	if errors.Is(err, projections.ErrNotFound) {
		return nil, auditevent.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var d auditevent.Device
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// List returns every device.
func List(s *projections.Store) ([]auditevent.Device, error) {
	var out []auditevent.Device
	var decodeErr error
	err := s.Scan(prefix, func(_, v []byte) bool {
		var d auditevent.Device
		if decodeErr = json.Unmarshal(v, &d); decodeErr != nil {
			return false
		}
		out = append(out, d)
		return true
	})
	if err == nil {
		err = decodeErr
	}
	return out, err
}
