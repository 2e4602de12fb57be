package policystore

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/events/policyevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// ErrNotFound reports a policy that does not exist.
var ErrNotFound = errors.New("policystore: no such policy")

// Policy is a stored ACL policy.
type Policy struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

const keyPrefix = "policy/"

func key(name string) []byte { return []byte(keyPrefix + name) }

// Register installs the policies' apply functions.
func Register(p *projections.Projector) {
	p.Handle(policyevent.EventWritten, applyWritten)
	p.Handle(policyevent.EventDeleted, applyDeleted)
}

func applyWritten(tx *projections.Tx, rec ledger.Record) error {
	var e policyevent.Written
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		return fmt.Errorf("policystore: decode %s: %w", rec.Type, err)
	}
	raw, err := json.Marshal(Policy(e))
	if err != nil {
		return fmt.Errorf("policystore: encode record: %w", err)
	}
	return tx.Set(key(e.Name), raw)
}

func applyDeleted(tx *projections.Tx, rec ledger.Record) error {
	var e policyevent.Deleted
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		return fmt.Errorf("policystore: decode %s: %w", rec.Type, err)
	}
	return tx.Delete(key(e.Name))
}

// Get returns the named policy. The built-in "default" policy is returned
// with its shipped text until it has been written.
func Get(s *projections.Store, name string) (Policy, error) {
	raw, err := s.Get(key(name))
	switch {
	case errors.Is(err, projections.ErrNotFound) && name == acl.DefaultPolicyName:
		return Policy{Name: acl.DefaultPolicyName, Text: acl.DefaultPolicy}, nil
	case errors.Is(err, projections.ErrNotFound):
		return Policy{}, fmt.Errorf("%w: %q", ErrNotFound, name)
	case err != nil:
		return Policy{}, err
	}
	var p Policy
	if err := json.Unmarshal(raw, &p); err != nil {
		return Policy{}, fmt.Errorf("policystore: decode record: %w", err)
	}
	return p, nil
}

// Exists reports whether a policy has been written (the built-in default
// counts as existing).
func Exists(s *projections.Store, name string) (bool, error) {
	_, err := Get(s, name)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// List returns the names of every stored policy and "default", sorted.
// "root" is not included: it is not a stored policy.
func List(s *projections.Store) ([]string, error) {
	names := []string{acl.DefaultPolicyName}
	err := s.Scan([]byte(keyPrefix), func(k, _ []byte) bool {
		if n := string(k[len(keyPrefix):]); n != acl.DefaultPolicyName {
			names = append(names, n)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}
