package kv

import (
	"context"

	"github.com/cofferhq/coffer/ledger"
)

// dataKeySealer creates the version's data key on first use, so a write
// refused by its decision (cas) creates none, and reuses it when a
// conflict makes the decision run again: only one attempt is ever stored.
type dataKeySealer struct {
	ctx  context.Context
	keys *ledger.DataKeys
	id   string
	key  []byte
}

func (s *dataKeySealer) Seal(aad, plaintext []byte) (string, []byte, error) {
	if s.id == "" {
		id, key, err := s.keys.Create(s.ctx)
		if err != nil {
			return "", nil, err
		}
		s.id, s.key = id, key
	}
	ct, err := ledger.SealWith(s.key, aad, plaintext)
	if err != nil {
		return "", nil, err
	}
	return s.id, ct, nil
}

// discard erases a key no stored event refers to.
func (s *dataKeySealer) discard() {
	if s.id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), eraseTimeout)
	defer cancel()
	_ = s.keys.Destroy(ctx, s.id)
}
