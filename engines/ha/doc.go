// Package ha serves the cluster's status under sys/: sys/ha-status (the
// nodes, the ledger stream's leader, each replica's lag, whether this node
// reaches the quorum and who runs the singletons), sys/leader (Vault's
// shape; every Coffer node is active, so is_self is true on each) and
// sys/storage/raft/configuration (the stream's replicas as Raft servers,
// as Vault's integrated storage lists its peers).
//
// It also maps `vault operator raft` onto the ledger (raft.go):
// snapshot save serves the newest sealed projections snapshot with its
// ledger position (package projections/snapshot) in the archive shape
// Vault's client checks; restore is refused with the reason, since the
// ledger is the truth and is never rewound; remove-peer moves a server's
// replicas of every Coffer stream elsewhere (409 when JetStream has no
// server to take them); autopilot/state renders the stream's replicas'
// health and the failure tolerance.
//
// sys/storage/ledger/snapshot (GET, sudo) streams a backup of the ledger
// stream itself, taken by package cluster/backup through JetStream's
// stream snapshots: `coffer operator snapshot save`. Its restore is a PUT
// of the backup to the same path, which the node serves ahead of the
// gateway (a backup is streamed past the gateway's body cap, and a new
// deployment has no token yet): see cluster/backup.
//
// The node supplies the status and the raft operations: the module only
// renders them, so it needs neither the NATS server nor the election.
package ha
