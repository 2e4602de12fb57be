package cubbyhole

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cofferhq/coffer/commands"
	tokencmd "github.com/cofferhq/coffer/commands/token"
	"github.com/cofferhq/coffer/events/cubbyholeevent"
	"github.com/cofferhq/coffer/events/tokenevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/cubbyholestore"
	"github.com/cofferhq/coffer/projections/tokenstore"
)

// WrappingPolicy is the one policy of a response-wrapping token.
const WrappingPolicy = "response-wrapping"

// ResponsePath is the cubbyhole entry holding a wrapped response, as in
// Vault; its data is {"response": "<the response's JSON>"}.
const ResponsePath = "response"

// Wrapped describes a response-wrapping token (Vault's wrap_info).
type Wrapped struct {
	Token        string
	Accessor     string
	TTL          time.Duration
	CreationTime time.Time
	CreationPath string
}

// PlanWrappingToken is the token.created payload of a wrapping token: an
// orphan with one use, the response-wrapping policy and a hard TTL.
func PlanWrappingToken(ttl time.Duration, creationPath string, now time.Time) tokenevent.Created {
	ttl = ttl.Truncate(time.Second)
	return tokenevent.Created{
		Policies:       []string{WrappingPolicy},
		Path:           creationPath,
		Type:           tokenevent.TypeService,
		NumUses:        1,
		CreationTime:   now,
		TTL:            tokenevent.Seconds(ttl),
		ExplicitMaxTTL: tokenevent.Seconds(ttl),
		ExpireTime:     now.Add(ttl),
	}
}

// IsWrapping reports whether t is a live response-wrapping token.
func IsWrapping(t *tokenevent.Token, now time.Time) bool {
	return t != nil && t.Live(now) && slices.Equal(t.Policies, []string{WrappingPolicy})
}

// Wrap mints a wrapping token for response (a JSON body) and stores the
// response in its cubbyhole, in one ledger message.
func Wrap(ctx context.Context, bus *commands.Bus, response []byte, ttl time.Duration, creationPath string) (Wrapped, error) {
	return rewrap(ctx, bus, nil, response, ttl, creationPath)
}

// rewrap stores response under a new wrapping token and, when old is set,
// spends old's use and erases its cubbyhole in the same message.
func rewrap(ctx context.Context, bus *commands.Bus, old *unwrapping, response []byte, ttl time.Duration, creationPath string) (Wrapped, error) {
	b, err := barrierOf(bus)
	if err != nil {
		return Wrapped{}, err
	}
	now := time.Now().UTC()
	w := Wrapped{Token: tokencmd.NewToken(), Accessor: tokencmd.NewAccessor(), TTL: ttl.Truncate(time.Second), CreationTime: now, CreationPath: creationPath}
	hash := tokenstore.Hash(b, w.Token)
	entry := EntryID(b, hash, ResponsePath)
	created := PlanWrappingToken(ttl, creationPath, now)
	s := &sealer{ctx: ctx, keys: bus.Ledger.DataKeys()}
	value := cubbyholeevent.Value{Path: ResponsePath, Data: map[string]any{"response": string(response)}}
	_, err = bus.Run(ctx, func(ctx context.Context) ([]ledger.Event, error) {
		var events []ledger.Event
		if old != nil {
			spent, err := old.decide(bus, b)
			if err != nil {
				return nil, err
			}
			events = spent
		}
		version, err := bus.Version(tokenevent.Kind, hash)
		if err != nil {
			return nil, err
		}
		tok, err := tokencmd.DecideCreate(nil, version, hash, w.Accessor, created)
		if err != nil {
			return nil, err
		}
		st, err := cubbyholestore.Load(bus.Projections, hash)
		if err != nil {
			return nil, err
		}
		keyID, sealed, err := s.seal(hash, st, entry, value)
		if err != nil {
			return nil, err
		}
		events = append(events, tok...)
		return append(events, DecideWrite(hash, st, keyID, entry, sealed)...), nil
	})
	if err != nil {
		s.discard("")
		return Wrapped{}, err
	}
	if old != nil {
		old.destroyKey(ctx, bus)
	}
	return w, nil
}

// unwrapping is one wrapping token on its way out.
type unwrapping struct {
	hash  string
	keyID string
}

// decide spends the token's single use and erases its cubbyhole. A token
// already spent (a concurrent unwrap won) is refused.
func (u *unwrapping) decide(bus *commands.Bus, b *ledger.Barrier) ([]ledger.Event, error) {
	t, err := tokenstore.Get(bus.Projections, b, u.hash)
	if errors.Is(err, tokenstore.ErrNotFound) {
		return nil, ErrInvalidWrappingToken
	}
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if !IsWrapping(t, now) {
		return nil, ErrInvalidWrappingToken
	}
	used, err := tokencmd.DecideUse(t, now)
	if errors.Is(err, tokencmd.ErrNotFound) {
		return nil, ErrInvalidWrappingToken
	}
	if err != nil {
		return nil, err
	}
	st, err := cubbyholestore.Load(bus.Projections, u.hash)
	if err != nil {
		return nil, err
	}
	u.keyID = st.KeyID
	return append(used, DecideErase(u.hash, st, cubbyholeevent.ReasonUnwrapped)...), nil
}

// destroyKey queues the spent cubbyhole's key for destruction once the
// erasure is stored. Should the node die in between, the key outlives the
// entries, which no read model names any more.
func (u *unwrapping) destroyKey(ctx context.Context, bus *commands.Bus) {
	if u.keyID != "" {
		_ = bus.Ledger.DataKeys().DestroyLater(context.WithoutCancel(ctx), u.keyID)
	}
}

// Lookup returns what Vault's sys/wrapping/lookup shows of a live wrapping
// token (no token or accessor), or ErrInvalidWrappingToken.
func Lookup(bus *commands.Bus, raw string) (Wrapped, error) {
	b, err := barrierOf(bus)
	if err != nil {
		return Wrapped{}, err
	}
	t, err := wrappingToken(bus, b, raw)
	if err != nil {
		return Wrapped{}, err
	}
	return Wrapped{TTL: t.CreationTTL, CreationTime: t.CreationTime, CreationPath: t.Path}, nil
}

func wrappingToken(bus *commands.Bus, b *ledger.Barrier, raw string) (*tokenevent.Token, error) {
	if raw == "" || tokencmd.IsBatch(raw) {
		return nil, ErrInvalidWrappingToken
	}
	t, err := tokenstore.Get(bus.Projections, b, tokenstore.Hash(b, raw))
	if errors.Is(err, tokenstore.ErrNotFound) {
		return nil, ErrInvalidWrappingToken
	}
	if err != nil {
		return nil, err
	}
	if !IsWrapping(t, time.Now()) {
		return nil, ErrInvalidWrappingToken
	}
	return t, nil
}

// readResponse returns the wrapped response of the wrapping token raw.
func readResponse(ctx context.Context, bus *commands.Bus, b *ledger.Barrier, raw string) (*tokenevent.Token, []byte, error) {
	t, err := wrappingToken(bus, b, raw)
	if err != nil {
		return nil, nil, err
	}
	data, err := Read(ctx, bus, t.Hash, ResponsePath)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrInvalidWrappingToken
	}
	if err != nil {
		return nil, nil, err
	}
	body, _ := data["response"].(string)
	return t, []byte(body), nil
}

// Unwrap returns the response wrapped by raw and spends raw: its single
// use and its cubbyhole go in one ledger message, so of any number of
// concurrent unwraps exactly one gets the response.
func Unwrap(ctx context.Context, bus *commands.Bus, raw string) ([]byte, error) {
	b, err := barrierOf(bus)
	if err != nil {
		return nil, err
	}
	t, body, err := readResponse(ctx, bus, b, raw)
	if err != nil {
		return nil, err
	}
	u := &unwrapping{hash: t.Hash}
	if _, err := bus.Run(ctx, func(context.Context) ([]ledger.Event, error) { return u.decide(bus, b) }); err != nil {
		return nil, err
	}
	u.destroyKey(ctx, bus)
	return body, nil
}

// Rewrap moves the response wrapped by raw under a new wrapping token with
// the same TTL and creation path, spending raw.
func Rewrap(ctx context.Context, bus *commands.Bus, raw string) (Wrapped, error) {
	b, err := barrierOf(bus)
	if err != nil {
		return Wrapped{}, err
	}
	t, body, err := readResponse(ctx, bus, b, raw)
	if err != nil {
		return Wrapped{}, err
	}
	return rewrap(ctx, bus, &unwrapping{hash: t.Hash}, body, t.CreationTTL, t.Path)
}
