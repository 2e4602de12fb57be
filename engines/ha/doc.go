// Package ha serves the cluster's status under sys/: sys/ha-status (the
// nodes, the ledger stream's leader, each replica's lag and who runs the
// singletons), sys/leader (Vault's shape; every Coffer node is active, so
// is_self is true on each) and sys/storage/raft/configuration (the
// stream's replicas as Raft servers, as Vault's integrated storage lists
// its peers).
//
// The node supplies the status through a function: the module only
// renders it, so it needs neither the NATS server nor the election.
package ha
