package cubbyhole

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/cubbyholeevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
)

const purposePath = "cubbyhole-path"

// EntryID names an entry of token's cubbyhole without its path.
func EntryID(b *ledger.Barrier, token, path string) string {
	return hex.EncodeToString(b.HMAC(purposePath, token+"\x00"+path))
}

// aad binds a sealed entry to its cubbyhole and name.
func aad(token, entry string) []byte {
	return []byte("coffer-cubbyhole\x00" + token + "\x00" + entry)
}

func barrierOf(bus *commands.Bus) (*ledger.Barrier, error) {
	b := bus.Ledger.Barrier()
	if b == nil {
		return nil, ledger.ErrSealed
	}
	return b, nil
}

// sealer seals entries under the cubbyhole's key, creating it on first use
// (and only once across a command's retries).
type sealer struct {
	ctx     context.Context
	keys    *ledger.DataKeys
	created string
	key     []byte
	keyID   string
}

// seal seals v for entry under the key of st (a new key when st has none).
func (s *sealer) seal(token string, st cubbyholestore.State, entry string, v cubbyholeevent.Value) (string, []byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", nil, fmt.Errorf("cubbyhole: marshal: %w", err)
	}
	switch {
	case st.KeyID != "" && st.KeyID == s.keyID:
	case st.KeyID != "":
		key, err := s.keys.Get(s.ctx, st.KeyID)
		if err != nil {
			return "", nil, err
		}
		s.keyID, s.key = st.KeyID, key
	case s.created != "":
		s.keyID = s.created
		key, err := s.keys.Get(s.ctx, s.created)
		if err != nil {
			return "", nil, err
		}
		s.key = key
	default:
		id, key, err := s.keys.Create(s.ctx)
		if err != nil {
			return "", nil, err
		}
		s.created, s.keyID, s.key = id, id, key
	}
	ct, err := ledger.SealWith(s.key, aad(token, entry), raw)
	return s.keyID, ct, err
}

// discard queues the key this sealer created for destruction unless the
// stored cubbyhole uses it.
func (s *sealer) discard(used string) {
	if s.created == "" || s.created == used {
		return
	}
	_ = s.keys.DestroyLater(context.WithoutCancel(s.ctx), s.created)
}

// open returns the value of a sealed entry.
func open(ctx context.Context, keys *ledger.DataKeys, keyID, token, entry string, sealed []byte) (cubbyholeevent.Value, error) {
	var v cubbyholeevent.Value
	key, err := keys.Get(ctx, keyID)
	if err != nil {
		return v, err
	}
	raw, err := ledger.OpenWith(key, aad(token, entry), sealed)
	if err != nil {
		return v, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return v, nil
}

// Read returns the data at path in token's cubbyhole, or ErrNotFound.
func Read(ctx context.Context, bus *commands.Bus, token, path string) (map[string]any, error) {
	b, err := barrierOf(bus)
	if err != nil {
		return nil, err
	}
	entry := EntryID(b, token, path)
	sealed, err := cubbyholestore.Entry(bus.Projections, token, entry)
	if errors.Is(err, cubbyholestore.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	st, err := cubbyholestore.Load(bus.Projections, token)
	if err != nil {
		return nil, err
	}
	v, err := open(ctx, bus.Ledger.DataKeys(), st.KeyID, token, entry, sealed)
	if err != nil {
		return nil, err
	}
	return v.Data, nil
}

// List returns the names directly under prefix ("" or ending in "/") in
// token's cubbyhole, folders with a trailing "/", as Vault lists them.
func List(ctx context.Context, bus *commands.Bus, token, prefix string) ([]string, error) {
	st, err := cubbyholestore.Load(bus.Projections, token)
	if err != nil || st.KeyID == "" {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	var openErr error
	err = cubbyholestore.Entries(bus.Projections, token, func(entry string, sealed []byte) bool {
		v, err := open(ctx, bus.Ledger.DataKeys(), st.KeyID, token, entry, sealed)
		if err != nil {
			openErr = err
			return false
		}
		rest, ok := strings.CutPrefix(v.Path, prefix)
		if !ok || rest == "" {
			return true
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[:i+1]
		}
		if !seen[rest] {
			seen[rest] = true
			out = append(out, rest)
		}
		return true
	})
	if err == nil {
		err = openErr
	}
	return out, err
}

// Write stores data at path in token's cubbyhole.
func Write(ctx context.Context, bus *commands.Bus, token, path string, data map[string]any) error {
	b, err := barrierOf(bus)
	if err != nil {
		return err
	}
	entry := EntryID(b, token, path)
	s := &sealer{ctx: ctx, keys: bus.Ledger.DataKeys()}
	used := ""
	_, err = bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := cubbyholestore.Load(bus.Projections, token)
		if err != nil {
			return nil, err
		}
		keyID, sealed, err := s.seal(token, st, entry, cubbyholeevent.Value{Path: path, Data: data})
		if err != nil {
			return nil, err
		}
		used = keyID
		return DecideWrite(token, st, keyID, entry, sealed), nil
	})
	if err != nil {
		used = ""
	}
	s.discard(used)
	return err
}

// Delete removes path from token's cubbyhole.
func Delete(ctx context.Context, bus *commands.Bus, token, path string) error {
	b, err := barrierOf(bus)
	if err != nil {
		return err
	}
	entry := EntryID(b, token, path)
	_, err = bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := cubbyholestore.Load(bus.Projections, token)
		if err != nil {
			return nil, err
		}
		_, err = cubbyholestore.Entry(bus.Projections, token, entry)
		if err != nil && !errors.Is(err, cubbyholestore.ErrNotFound) {
			return nil, err
		}
		return DecideDelete(token, st, entry, err == nil), nil
	})
	return err
}

// Erase drops token's cubbyhole (its token is gone). Its data key is
// queued for destruction (a durable queue) before the event is appended:
// a crash in between leaves the cubbyhole listed, and the sweeper erases
// it again, so no key is ever left behind with nothing naming it.
func Erase(ctx context.Context, bus *commands.Bus, token, reason string) error {
	st, err := cubbyholestore.Load(bus.Projections, token)
	if err != nil || st.KeyID == "" {
		return err
	}
	if err := bus.Ledger.DataKeys().DestroyLater(ctx, st.KeyID); err != nil {
		return err
	}
	_, err = bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		st, err := cubbyholestore.Load(bus.Projections, token)
		if err != nil {
			return nil, err
		}
		return DecideErase(token, st, reason), nil
	})
	return err
}
