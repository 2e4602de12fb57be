// Package auditstore is the read model of enabled audit devices. Records
// live under "audev/<hex HMAC of the path>", sealed by the barrier
// (projections.PutJSON): a device's options (a file path, a socket
// address) are what an operator wrote.
package auditstore

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

var prefix = []byte("audev/")

func key(r projections.SealedReader, path string) ([]byte, error) {
	return projections.NameKey(r, prefix, "audit-device", path)
}

// Register installs the apply functions.
func Register(p *projections.Projector) {
	p.Handle(auditevent.EventEnabled, func(tx *projections.Tx, rec ledger.Record) error {
		var d auditevent.Device
		if err := json.Unmarshal(rec.Data, &d); err != nil {
			return fmt.Errorf("auditstore: decode %s: %w", rec.Type, err)
		}
		if d.StartSeq == 0 {
			d.StartSeq = rec.Seq
		}
		k, err := key(tx, d.Path)
		if err != nil {
			return err
		}
		return projections.PutJSON(tx, k, d)
	})
	p.Handle(auditevent.EventDisabled, func(tx *projections.Tx, rec ledger.Record) error {
		k, err := key(tx, rec.Aggregate)
		if err != nil {
			return err
		}
		return tx.Delete(k)
	})
}

// Get returns the device at path, or auditevent.ErrNotFound.
func Get(s *projections.Store, path string) (*auditevent.Device, error) {
	k, err := key(s, path)
	if err != nil {
		return nil, err
	}
	var d auditevent.Device
	found, err := projections.GetJSON(s, k, &d)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, auditevent.ErrNotFound
	}
	return &d, nil
}

// List returns every device, ordered by path.
func List(s *projections.Store) ([]auditevent.Device, error) {
	out, err := projections.ScanJSON[auditevent.Device](s, prefix)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}
