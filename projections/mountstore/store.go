package mountstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/cofferhq/coffer/events/mountevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// ErrNotFound reports that no mount is enabled at a path.
var ErrNotFound = errors.New("mountstore: no mount at that path")

// Mount is one entry of the mount table.
type Mount struct {
	Path        string // with trailing slash
	Type        string
	Accessor    string
	UUID        string
	Description string
	// DefaultLeaseTTL and MaxLeaseTTL are 0 when the mount uses the
	// system defaults.
	DefaultLeaseTTL time.Duration
	MaxLeaseTTL     time.Duration
	// Options is shared with the table; callers must not modify it.
	Options   map[string]string
	Local     bool
	SealWrap  bool
	CreatedAt time.Time
}

// record is a mount as stored in pebble.
type record struct {
	Path        string            `json:"path"`
	Type        string            `json:"type"`
	Accessor    string            `json:"accessor"`
	UUID        string            `json:"uuid"`
	Description string            `json:"description"`
	Config      mountevent.Config `json:"config"`
	Options     map[string]string `json:"options,omitempty"`
	Local       bool              `json:"local"`
	SealWrap    bool              `json:"seal_wrap"`
	CreatedAt   time.Time         `json:"created_at"`
}

func (r record) mount() Mount {
	return Mount{
		Path: r.Path, Type: r.Type, Accessor: r.Accessor, UUID: r.UUID, Description: r.Description,
		DefaultLeaseTTL: time.Duration(r.Config.DefaultLeaseTTL) * time.Second,
		MaxLeaseTTL:     time.Duration(r.Config.MaxLeaseTTL) * time.Second,
		Options:         r.Options, Local: r.Local, SealWrap: r.SealWrap, CreatedAt: r.CreatedAt,
	}
}

var keyPrefix = []byte("mount/")

// key is the mount's record key: the HMAC of its path, which shows only
// inside the sealed record.
func key(r projections.SealedReader, path string) ([]byte, error) {
	return projections.NameKey(r, keyPrefix, "mount-path", path)
}

// Register installs the mount table's apply functions.
func Register(p *projections.Projector) {
	p.Handle(mountevent.EventEnabled, applyEnabled)
	p.Handle(mountevent.EventTuned, applyTuned)
	p.Handle(mountevent.EventDisabled, applyDisabled)
}

func applyEnabled(tx *projections.Tx, rec ledger.Record) error {
	var e mountevent.Enabled
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		return fmt.Errorf("mountstore: decode %s: %w", rec.Type, err)
	}
	return put(tx, record{
		Path: e.Path, Type: e.Type, Accessor: e.Accessor, UUID: e.UUID, Description: e.Description,
		Config: e.Config, Options: e.Options, Local: e.Local, SealWrap: e.SealWrap, CreatedAt: e.CreatedAt,
	})
}

func applyTuned(tx *projections.Tx, rec ledger.Record) error {
	var e mountevent.Tuned
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		return fmt.Errorf("mountstore: decode %s: %w", rec.Type, err)
	}
	k, err := key(tx, e.Path)
	if err != nil {
		return err
	}
	var r record
	found, err := projections.GetJSON(tx, k, &r)
	if err == nil && !found {
		err = projections.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mountstore: tune of %s: %w", e.Path, err)
	}
	r.Description, r.Config, r.Options = e.Description, e.Config, e.Options
	return put(tx, r)
}

func applyDisabled(tx *projections.Tx, rec ledger.Record) error {
	var e mountevent.Disabled
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		return fmt.Errorf("mountstore: decode %s: %w", rec.Type, err)
	}
	k, err := key(tx, e.Path)
	if err != nil {
		return err
	}
	return tx.Delete(k)
}

func put(tx *projections.Tx, r record) error {
	k, err := key(tx, r.Path)
	if err != nil {
		return err
	}
	return projections.PutJSON(tx, k, r)
}

// Get returns the mount enabled exactly at path (with trailing slash).
func Get(s *projections.Store, path string) (Mount, error) {
	k, err := key(s, path)
	if err != nil {
		return Mount{}, err
	}
	var r record
	found, err := projections.GetJSON(s, k, &r)
	if err != nil {
		return Mount{}, err
	}
	if !found {
		return Mount{}, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	return r.mount(), nil
}

// List returns every enabled mount, ordered by path.
func List(s *projections.Store) ([]Mount, error) {
	recs, err := projections.ScanJSON[record](s, keyPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]Mount, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.mount())
	}
	// Keys are HMACs: order by path here.
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
