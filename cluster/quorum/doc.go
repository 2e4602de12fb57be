// Package quorum watches whether the ledger stream can commit: whether it
// has a leader that hears from a majority of its replicas. A node cut off
// from the quorum cannot append anything, and every request but a few
// unaudited status ones needs an append (its audit record at least), so
// the node refuses them at once (503) instead of letting each wait out
// the publish timeout; sys/health answers 429 there, as the cluster issue
// asks.
//
// The probe asks JetStream for the stream's info with a short deadline
// (the stream leader answers it). There is no quorum when nobody answers,
// when the answer names no leader, or when the leader has not heard from
// a majority of the replicas (itself included) within Stale. Lag alone
// does not count: a busy follower is behind, not gone. A stream that does
// not answer while this node still reaches a majority of the cluster's
// servers (Options.Reachable: the embedded server's routes) is electing a
// leader, and requests wait for it as before. The state flips to
// lost after Misses failed probes in a row and back after one good one,
// so one slow answer does not refuse requests.
package quorum
