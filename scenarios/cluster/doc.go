// Package cluster holds what the cluster scenarios share beside
// make-cluster.sh (`make cluster`): the sequential model of KV v2
// check-and-set that scenarios/cluster_linearizable_test.go checks its
// histories against with github.com/anishathalye/porcupine.
//
// The model is per key (porcupine checks each key's history on its own):
// a key is its current version and the value written at it, version 0
// being "never written". A read must return the current state; a
// check-and-set with cas=N succeeds only at version N, making version
// N+1, and is refused otherwise. A check-and-set whose outcome the client
// could not learn (a timeout, a 503, a connection cut by a kill -9) is
// ambiguous: it may have been applied or not, and if applied at any time
// after it was sent, even after the client gave up. Its return time is
// therefore unbounded (AmbiguousReturn) and the model lets it step both
// ways, as etcd's robustness tests do.
package cluster
