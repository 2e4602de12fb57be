package mount

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/events/mountevent"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// State is the part of the read model a mount decision needs.
type State struct {
	// Mounts is the whole mount table.
	Mounts []mountstore.Mount
	// Versions holds aggregate versions by mount path; a path missing
	// from it is at version 0 (never mounted).
	Versions map[string]uint64
	// TableVersion is the version of the mount_table aggregate.
	TableVersion uint64
}

func (s State) find(path string) (mountstore.Mount, bool) {
	for _, m := range s.Mounts {
		if m.Path == path {
			return m, true
		}
	}
	return mountstore.Mount{}, false
}

// longest returns the mount holding path by longest prefix.
func (s State) longest(path string) (mountstore.Mount, bool) {
	var best mountstore.Mount
	found := false
	for _, m := range s.Mounts {
		if strings.HasPrefix(path, m.Path) && len(m.Path) > len(best.Path) {
			best, found = m, true
		}
	}
	return best, found
}

// Enable mounts an engine. Accessor, UUID and At are chosen once per
// command (NewEnable) so a decision retried after a conflict appends the
// same facts.
type Enable struct {
	Path            string
	Type            string
	Description     string
	DefaultLeaseTTL time.Duration
	MaxLeaseTTL     time.Duration
	Options         map[string]string
	Local           bool
	SealWrap        bool
	// Auth enables an auth method: Path is relative to "auth/".
	Auth bool

	Accessor string
	UUID     string
	At       time.Time
}

// DecideEnable validates an enable against the table and returns
// mount.enabled plus the table revision.
func DecideEnable(s State, c Enable) ([]ledger.Event, error) {
	path, err := NormalizePath(c.Path)
	if err != nil {
		return nil, err
	}
	var (
		typ     string
		options map[string]string
	)
	if c.Auth {
		if typ, options, err = authType(c.Type, c.Options); err != nil {
			return nil, err
		}
		if conflict := authConflict(s, path); conflict != "" {
			return nil, refuse(ErrAuthPathInUse, "path is already in use at "+conflict)
		}
		path = AuthPrefix + path
	} else {
		if Protected(path) {
			return nil, refuse(ErrReservedPath, fmt.Sprintf("cannot mount %q", path))
		}
		if typ, options, err = engineType(c.Type, c.Options); err != nil {
			return nil, err
		}
		for _, m := range s.Mounts {
			if strings.HasPrefix(m.Path, AuthPrefix) {
				continue
			}
			if strings.HasPrefix(m.Path, path) || strings.HasPrefix(path, m.Path) {
				return nil, refuse(ErrPathInUse, "path is already in use at "+m.Path)
			}
		}
	}
	if err := checkEnableTTLs(c.DefaultLeaseTTL, c.MaxLeaseTTL); err != nil {
		return nil, err
	}
	if c.Accessor == "" || c.UUID == "" || c.At.IsZero() {
		return nil, errors.New("mount: enable command without accessor, uuid or time (use NewEnable)")
	}
	enabled := ledger.MakeEvent(mountevent.EventEnabled, mountevent.Enabled{
		Path: path, Type: typ, Accessor: c.Accessor, UUID: c.UUID, Description: c.Description,
		Config:  mountevent.Config{DefaultLeaseTTL: seconds(c.DefaultLeaseTTL), MaxLeaseTTL: seconds(c.MaxLeaseTTL)},
		Options: options, Local: c.Local, SealWrap: c.SealWrap, CreatedAt: c.At.UTC(),
	})
	revised := ledger.MakeEvent(mountevent.EventTableRevised, mountevent.TableRevised{Path: path, Change: "enabled"})
	return append(
		commands.Sequence(mountevent.Kind, path, s.Versions[path], enabled),
		commands.Sequence(mountevent.TableKind, mountevent.TableID, s.TableVersion, revised)...,
	), nil
}

// engineType resolves Vault's kv aliases and checks the version option.
func engineType(typ string, options map[string]string) (string, map[string]string, error) {
	options = maps.Clone(options)
	switch typ {
	case "":
		return "", nil, refuse(ErrInvalidType, "backend type must be specified as a string")
	case "kv-v1", "kv-v2":
		if options == nil {
			options = map[string]string{}
		}
		options["version"] = typ[len(typ)-1:]
		typ = "kv"
	}
	if slices.Contains(singletonTypes, typ) {
		return "", nil, refuse(ErrInvalidType, fmt.Sprintf("mount type of %q is not mountable", typ))
	}
	if v, ok := options["version"]; ok && v != "" {
		if typ != "kv" {
			return "", nil, refuse(ErrInvalidType, fmt.Sprintf("secrets engine %q does not allow setting a version", typ))
		}
		if v != "1" && v != "2" {
			return "", nil, refuse(ErrInvalidConfig, fmt.Sprintf("invalid version provided: %s", v))
		}
	}
	return typ, options, nil
}

func checkEnableTTLs(def, max time.Duration) error {
	switch {
	case max != 0 && def > max:
		return refuse(ErrInvalidConfig, "given default lease TTL greater than given max lease TTL")
	case max == 0 && def > SystemMaxLeaseTTL:
		return refuse(ErrInvalidConfig, fmt.Sprintf("given default lease TTL greater than system max lease TTL of %d", seconds(SystemMaxLeaseTTL)))
	}
	return nil
}

// Disable unmounts the engine at Path (with Auth, the auth method at
// "auth/<Path>").
type Disable struct {
	Path string
	Auth bool
}

// DecideDisable returns mount.disabled plus the table revision, or no
// events when nothing is mounted exactly at the path (Vault answers
// success then, so as not to reveal whether the mount existed).
func DecideDisable(s State, c Disable) ([]ledger.Event, error) {
	path, err := target(c.Path, c.Auth, "unmount")
	if err != nil {
		return nil, err
	}
	m, ok := s.find(path)
	if !ok {
		return nil, nil
	}
	disabled := ledger.MakeEvent(mountevent.EventDisabled, mountevent.Disabled{Path: path, Accessor: m.Accessor})
	revised := ledger.MakeEvent(mountevent.EventTableRevised, mountevent.TableRevised{Path: path, Change: "disabled"})
	return append(
		commands.Sequence(mountevent.Kind, path, s.Versions[path], disabled),
		commands.Sequence(mountevent.TableKind, mountevent.TableID, s.TableVersion, revised)...,
	), nil
}

// Tune changes the tunable part of the mount holding Path (by longest
// prefix, as Vault). A nil field is left as it is; a lease TTL of 0 means
// "back to the system default".
type Tune struct {
	Path            string
	Description     *string
	DefaultLeaseTTL *time.Duration
	MaxLeaseTTL     *time.Duration
	// Options are merged into the mount's options; an empty value removes
	// the key (except "version", which can only be raised).
	Options map[string]string
	// Auth tunes the auth method at "auth/<Path>".
	Auth bool
}

// DecideTune returns mount.tuned with the mount's complete tunable state,
// or no events when the tune changes nothing.
func DecideTune(s State, c Tune) ([]ledger.Event, error) {
	path, err := target(c.Path, c.Auth, "tune")
	if err != nil {
		return nil, err
	}
	m, ok := s.longest(path)
	if !ok {
		return nil, refuse(ErrNotMounted, fmt.Sprintf("tune of path %q failed: no mount entry found", path))
	}
	def, max := m.DefaultLeaseTTL, m.MaxLeaseTTL
	if c.DefaultLeaseTTL != nil {
		def = *c.DefaultLeaseTTL
	}
	if c.MaxLeaseTTL != nil {
		max = *c.MaxLeaseTTL
	}
	if def != 0 && max != 0 && max < def {
		return nil, refuse(ErrInvalidConfig, fmt.Sprintf("backend max lease TTL of %d would be less than backend default lease TTL of %d", seconds(max), seconds(def)))
	}
	desc := m.Description
	if c.Description != nil {
		desc = *c.Description
	}
	options, err := tuneOptions(m.Options, c.Options)
	if err != nil {
		return nil, err
	}
	if def == m.DefaultLeaseTTL && max == m.MaxLeaseTTL && desc == m.Description && maps.Equal(options, m.Options) {
		return nil, nil
	}
	tuned := ledger.MakeEvent(mountevent.EventTuned, mountevent.Tuned{
		Path: m.Path, Description: desc, Options: options,
		Config: mountevent.Config{DefaultLeaseTTL: seconds(def), MaxLeaseTTL: seconds(max)},
	})
	return commands.Sequence(mountevent.Kind, m.Path, s.Versions[m.Path], tuned), nil
}

// tuneOptions merges tuned options as Vault does: the kv version may be
// raised but not lowered, and an empty value deletes any other key.
func tuneOptions(have, tuned map[string]string) (map[string]string, error) {
	if len(tuned) == 0 {
		return have, nil
	}
	if v, ok := tuned["version"]; ok {
		want, err := strconv.Atoi(v)
		if err != nil {
			return nil, refuse(ErrInvalidConfig, fmt.Sprintf("unable to parse options: invalid version %q", v))
		}
		if want != 1 && want != 2 {
			return nil, refuse(ErrInvalidConfig, fmt.Sprintf("invalid version provided: %d", want))
		}
		current, _ := strconv.Atoi(have["version"])
		if current > want {
			return nil, refuse(ErrInvalidConfig, fmt.Sprintf("cannot downgrade mount from version %d", current))
		}
	}
	out := maps.Clone(have)
	if out == nil {
		out = map[string]string{}
	}
	for k, v := range tuned {
		if v == "" && k != "version" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out, nil
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// target is the mount path a disable or tune acts on: an auth method's
// under "auth/" (never the built-in token store), an engine's anywhere
// that is not built in.
func target(raw string, auth bool, verb string) (string, error) {
	path, err := NormalizePath(raw)
	if err != nil {
		return "", err
	}
	if auth {
		if path == "token/" {
			return "", refuse(ErrReservedPath, fmt.Sprintf("token credential backend cannot be %s", map[string]string{"unmount": "disabled", "tune": "tuned"}[verb]))
		}
		return AuthPrefix + path, nil
	}
	if Protected(path) {
		return "", refuse(ErrReservedPath, fmt.Sprintf("cannot %s %q", verb, path))
	}
	return path, nil
}

// authType checks an auth method's type: the token store is built in.
func authType(typ string, options map[string]string) (string, map[string]string, error) {
	switch typ {
	case "":
		return "", nil, refuse(ErrInvalidType, "backend type must be specified as a string")
	case "token":
		return "", nil, refuse(ErrInvalidType, "token credential backend cannot be instantiated")
	}
	return typ, maps.Clone(options), nil
}

// authConflict returns the auth mount (relative to "auth/") that rel would
// nest with, "token/" included, or "".
func authConflict(s State, rel string) string {
	existing := []string{"token/"}
	for _, m := range s.Mounts {
		if r, ok := strings.CutPrefix(m.Path, AuthPrefix); ok {
			existing = append(existing, r)
		}
	}
	for _, e := range existing {
		if strings.HasPrefix(e, rel) || strings.HasPrefix(rel, e) {
			return e
		}
	}
	return ""
}
