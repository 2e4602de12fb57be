package policystore

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// maxCombined bounds the number of cached policy sets; past it the set
// cache starts over (tokens rarely carry more than a few distinct sets).
const maxCombined = 10_000

// Cache holds parsed policies by name and compiled ACLs by policy set. It
// is invalidated by Observer (every node) and by Invalidate (the node that
// wrote, so its own next request sees the change even before the observer
// has run). It is safe for concurrent use.
type Cache struct {
	store *projections.Store

	mu sync.RWMutex
	// gen moves on every invalidation; a load that started under an older
	// generation does not store its result, so a stale policy read before
	// an invalidation can never be cached after it.
	gen      uint64
	parsed   map[string]*acl.Policy // nil value: the policy does not exist
	combined map[string]*acl.ACL    // by sorted, deduplicated name set
}

// NewCache returns an empty cache over store.
func NewCache(store *projections.Store) *Cache {
	return &Cache{store: store, parsed: map[string]*acl.Policy{}, combined: map[string]*acl.ACL{}}
}

// ACL compiles the named policies into one ACL. "root" among the names
// yields the root ACL; names of missing policies are ignored, as Vault
// ignores them. Names are matched after acl.NormalizeName.
func (c *Cache) ACL(names []string) (*acl.ACL, error) {
	set := normalizeSet(names)
	if slices.Contains(set, acl.RootPolicyName) {
		return acl.NewRoot(), nil
	}
	setKey := strings.Join(set, "\x00")
	c.mu.RLock()
	a, ok := c.combined[setKey]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return a, nil
	}
	policies, err := c.policies(set, gen)
	if err != nil {
		return nil, err
	}
	a = acl.New(policies...)
	c.mu.Lock()
	if c.gen == gen {
		if len(c.combined) >= maxCombined {
			c.combined = map[string]*acl.ACL{}
		}
		c.combined[setKey] = a
	}
	c.mu.Unlock()
	return a, nil
}

// Policies returns the parsed policies among names that exist ("root" and
// missing names are skipped).
func (c *Cache) Policies(names []string) ([]*acl.Policy, error) {
	c.mu.RLock()
	gen := c.gen
	c.mu.RUnlock()
	return c.policies(normalizeSet(names), gen)
}

func (c *Cache) policies(set []string, gen uint64) ([]*acl.Policy, error) {
	out := make([]*acl.Policy, 0, len(set))
	for _, name := range set {
		if name == acl.RootPolicyName {
			continue
		}
		p, err := c.policy(name, gen)
		if err != nil {
			return nil, err
		}
		if p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// policy returns the parsed policy, or nil when it does not exist.
func (c *Cache) policy(name string, gen uint64) (*acl.Policy, error) {
	c.mu.RLock()
	p, ok := c.parsed[name]
	c.mu.RUnlock()
	if ok {
		return p, nil
	}
	stored, err := Get(c.store, name)
	switch {
	case errors.Is(err, ErrNotFound):
		p = nil
	case err != nil:
		return nil, err
	default:
		if p, err = acl.Parse(stored.Name, stored.Text); err != nil {
			// Text is validated before it is written; failing here means
			// the parser changed under a stored policy. Fail closed.
			return nil, fmt.Errorf("policystore: stored policy %q no longer parses: %w", name, err)
		}
	}
	c.mu.Lock()
	if c.gen == gen {
		c.parsed[name] = p
	}
	c.mu.Unlock()
	return p, nil
}

// Invalidate forgets the named policy and every ACL compiled from any set.
func (c *Cache) Invalidate(name string) {
	c.mu.Lock()
	c.gen++
	delete(c.parsed, acl.NormalizeName(name))
	c.combined = map[string]*acl.ACL{}
	c.mu.Unlock()
}

// Observer invalidates the cache for every committed policy event.
func (c *Cache) Observer() projections.Observer {
	return func(recs []ledger.Record) {
		for i := range recs {
			if strings.HasPrefix(recs[i].Type, "policy.") {
				c.Invalidate(recs[i].Aggregate)
			}
		}
	}
}

// normalizeSet lowercases, sorts and deduplicates names, dropping empty
// ones.
func normalizeSet(names []string) []string {
	set := make([]string, 0, len(names))
	for _, n := range names {
		if n = acl.NormalizeName(n); n != "" {
			set = append(set, n)
		}
	}
	slices.Sort(set)
	return slices.Compact(set)
}
