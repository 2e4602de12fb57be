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

var keyPrefix = []byte("policy/")

// hmacPurpose keys a policy's name in pebble: the record's key is the
// name's HMAC, the name itself is only inside the sealed record.
const hmacPurpose = "policy-name"

func key(r projections.SealedReader, name string) ([]byte, error) {
	return projections.NameKey(r, keyPrefix, hmacPurpose, name)
}

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
	k, err := key(tx, e.Name)
	if err != nil {
		return err
	}
	return projections.PutJSON(tx, k, Policy(e))
}

func applyDeleted(tx *projections.Tx, rec ledger.Record) error {
	var e policyevent.Deleted
	if err := json.Unmarshal(rec.Data, &e); err != nil {
		return fmt.Errorf("policystore: decode %s: %w", rec.Type, err)
	}
	k, err := key(tx, e.Name)
	if err != nil {
		return err
	}
	return tx.Delete(k)
}

// Get returns the named policy. The built-in "default" policy is returned
// with its shipped text until it has been written.
func Get(s *projections.Store, name string) (Policy, error) {
	k, err := key(s, name)
	if err != nil {
		return Policy{}, err
	}
	var p Policy
	found, err := projections.GetJSON(s, k, &p)
	switch {
	case err != nil:
		return Policy{}, err
	case !found && name == acl.DefaultPolicyName:
		return Policy{Name: acl.DefaultPolicyName, Text: acl.DefaultPolicy}, nil
	case !found:
		return Policy{}, fmt.Errorf("%w: %q", ErrNotFound, name)
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
	stored, err := projections.ScanJSON[Policy](s, keyPrefix)
	if err != nil {
		return nil, err
	}
	names := []string{acl.DefaultPolicyName}
	for _, p := range stored {
		if p.Name != acl.DefaultPolicyName {
			names = append(names, p.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}
