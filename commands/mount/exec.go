package mount

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/mountevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// LoadState reads the mount table and the versions of its aggregates
// (plus those of extra paths, such as a path about to be enabled).
func LoadState(bus *commands.Bus, extra ...string) (State, error) {
	mounts, err := mountstore.List(bus.Projections)
	if err != nil {
		return State{}, err
	}
	s := State{Mounts: mounts, Versions: map[string]uint64{}}
	if s.TableVersion, err = bus.Version(mountevent.TableKind, mountevent.TableID); err != nil {
		return State{}, err
	}
	paths := extra
	for _, m := range mounts {
		paths = append(paths, m.Path)
	}
	for _, p := range paths {
		if _, done := s.Versions[p]; done {
			continue
		}
		if s.Versions[p], err = bus.Version(mountevent.Kind, p); err != nil {
			return State{}, err
		}
	}
	return s, nil
}

// NewEnable fills in the accessor ("<type>_<8 hex>", as Vault), UUID and
// time of an enable command.
func NewEnable(c Enable) Enable {
	typ, _, err := engineType(c.Type, c.Options)
	if err != nil {
		typ = c.Type // DecideEnable will refuse it
	}
	if c.Auth {
		typ = "auth_" + c.Type
	}
	c.Accessor = typ + "_" + randomHex(4)
	c.UUID = newUUID()
	c.At = time.Now().UTC()
	return c
}

// ExecEnable enables a mount and returns the ledger index of the write.
func ExecEnable(ctx context.Context, bus *commands.Bus, c Enable) (uint64, error) {
	if c.Accessor == "" {
		c = NewEnable(c)
	}
	path, err := NormalizePath(c.Path)
	if err != nil {
		return 0, err
	}
	if c.Auth {
		path = AuthPrefix + path
	}
	return bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		s, err := LoadState(bus, path)
		if err != nil {
			return nil, err
		}
		return DecideEnable(s, c)
	})
}

// ExecDisable disables the mount at c.Path, if any.
func ExecDisable(ctx context.Context, bus *commands.Bus, c Disable) (uint64, error) {
	return bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		s, err := LoadState(bus)
		if err != nil {
			return nil, err
		}
		return DecideDisable(s, c)
	})
}

// ExecTune tunes the mount holding c.Path.
func ExecTune(ctx context.Context, bus *commands.Bus, c Tune) (uint64, error) {
	return bus.Run(ctx, func(context.Context) ([]ledger.Event, error) {
		s, err := LoadState(bus)
		if err != nil {
			return nil, err
		}
		return DecideTune(s, c)
	})
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("mount: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("mount: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
