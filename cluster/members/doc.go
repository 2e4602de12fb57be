// Package members lets every node of a cluster say where it stands: its
// node id, API address, the ledger index its projections have applied and
// whether it runs the singletons. `sys/ha-status` gathers the answers and
// `coffer operator members` prints them.
//
// JetStream's stream info knows the stream's replicas and their lag, but
// only as NATS servers: it knows nothing of a Coffer node's projections,
// which may lag behind its server's replica (a slow apply, a rebuild), nor
// of nodes on an external JetStream cluster whose servers are not theirs.
// So each node answers on a plain NATS subject (Subject, outside every
// stream), and the asking node publishes one request and takes the answers
// that arrive within a short wait, as a scatter-gather.
//
// An answer is sealed by the barrier under an AAD bound to the request's
// random nonce: a client of the NATS servers can neither read it nor
// forge one, nor replay an old answer into a new request. A sealed node
// (no barrier) does not answer, and neither does a node cut off from the
// asker: both show as absent.
package members
