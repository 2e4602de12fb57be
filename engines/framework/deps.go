package framework

import (
	"log/slog"

	"github.com/cofferhq/coffer/commands"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/projections"
)

// Deps is what every engine is built from.
type Deps struct {
	Bus       *commands.Bus
	Store     *projections.Store
	Projector *projections.Projector
	Ledger    *ledger.Store
	Log       *slog.Logger
}

// MountInfo describes the mount an engine instance serves.
type MountInfo struct {
	Path     string // with trailing slash: "secret/"
	Type     string
	Accessor string
	Options  map[string]string
}

// Factory builds a backend for one mount of an engine type.
type Factory func(deps Deps, mount MountInfo) (Backend, error)
