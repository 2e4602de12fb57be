package node

import (
	"github.com/cofferhq/coffer/engines/audit"
	"github.com/cofferhq/coffer/engines/auth/approle"
	"github.com/cofferhq/coffer/engines/auth/kubernetes"
	"github.com/cofferhq/coffer/engines/auth/userpass"
	"github.com/cofferhq/coffer/engines/checkpoint"
	"github.com/cofferhq/coffer/engines/cubbyhole"
	"github.com/cofferhq/coffer/engines/database"
	"github.com/cofferhq/coffer/engines/events"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/ha"
	"github.com/cofferhq/coffer/engines/kv"
	"github.com/cofferhq/coffer/engines/lease"
	"github.com/cofferhq/coffer/engines/metrics"
	"github.com/cofferhq/coffer/engines/pki"
	"github.com/cofferhq/coffer/engines/sys"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/engines/transit"
)

// modules is the node's list of modules: every secrets engine, auth
// method and sys service it serves. Adding an engine or an auth method is
// one line here (and its package). Order matters only for state-at, whose
// queries are tried in this order.
func (n *Node) modules() []framework.Module {
	list := []framework.Module{
		sys.Module(sys.Config{Sealer: n.seal, Version: Version, MountBackend: n.mountBackend}),
		token.Module,
		cubbyhole.Module,
		lease.Module,
		audit.Configured(n.cfg.Audit),
		events.Module,
		checkpoint.Module(n.cfg.CheckpointInterval),
		kv.Module,
		transit.Module,
		database.Module,
		pki.Module,
		approle.Module,
		kubernetes.Module,
		userpass.Module,
		metrics.Module(n.metrics),
		ha.Module(n.clusterStatus, n.clusterMembers, raftOps{n}),
	}
	return append(list, n.cfg.ExtraModules...)
}
