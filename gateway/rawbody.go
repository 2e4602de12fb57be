package gateway

// rawBodyPaths take a binary upload rather than a JSON body (Vault's
// `operator raft snapshot restore` posts a snapshot archive). The gateway
// does not decode it: the handler sees no fields and answers for itself
// (Coffer refuses a restore, saying why), after the usual token, ACL and
// audit steps.
var rawBodyPaths = map[string]bool{
	"/v1/sys/storage/raft/snapshot":       true,
	"/v1/sys/storage/raft/snapshot-force": true,
}
