package gateway

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
)

// Consistency of a request's reads (README, "Running a cluster"). Every
// node serves from its own projections, which follow the ledger stream a
// few milliseconds behind. Two opt-ins make a node wait before it
// authorises and serves a request:
//
//   - X-Vault-Index: the index a write's response carried (every node
//     gives the same stream sequence). The node waits until its
//     projections have applied it: read-your-writes on any node. Vault's
//     clients send several values (the Go client's ReadYourWrites keeps
//     up to two): the highest decimal one counts; values in Vault's own
//     opaque format are ignored.
//   - X-Coffer-Consistency: strong, or the query parameter
//     consistency=strong: the node asks the ledger stream's leader for its
//     last sequence (JetStream answers stream info from the leader only)
//     and waits until its projections have applied it. Every write
//     acknowledged before the request began is then visible, so such
//     reads are linearizable, as far as the leader's answer is current:
//     a leader cut off from its quorum may answer until it steps down,
//     though the response still waits for its audit record's quorum
//     append. It costs one round trip to the leader.
//
// The wait comes before authorisation: a token minted on another node an
// instant ago is then known here. A node that cannot catch up within
// indexWait answers 412 (Vault's answer, which its clients retry); a
// strong read that cannot learn the leader's sequence answers 503. The
// refusal is still authorised and audited like any other. An anonymous
// request may ask too: a strong read costs one stream info at the
// leader, no more than the audit append every refused request costs.

// HeaderConsistency asks for a strongly consistent request.
const HeaderConsistency = "X-Coffer-Consistency"

// QueryConsistency is the query parameter that asks the same.
const QueryConsistency = "consistency"

// ConsistencyStrong is the one value either takes.
const ConsistencyStrong = "strong"

// indexWait bounds how long a request waits for the projections.
const indexWait = 5 * time.Second

// ErrNoLeader refuses a strong read while the ledger stream has no leader
// to say where it stands.
var ErrNoLeader = errors.New("gateway: consistent read: the ledger stream's leader did not answer; retry")

// consistency is what a request asked for: an index to reach and whether
// to reach the leader's last sequence too.
type consistency struct {
	index  uint64
	strong bool
}

// consistencyOf reads the request's headers and query. A consistency
// value other than "strong" is refused: a client that asked for something
// must not get less without knowing.
func consistencyOf(r *http.Request) (consistency, error) {
	var c consistency
	for _, v := range r.Header.Values("X-Vault-Index") {
		for part := range strings.SplitSeq(v, ",") {
			// Vault's opaque format from another server: not ours.
			if seq, err := strconv.ParseUint(strings.TrimSpace(part), 10, 64); err == nil {
				c.index = max(c.index, seq)
			}
		}
	}
	for _, v := range append(r.Header.Values(HeaderConsistency), r.URL.Query()[QueryConsistency]...) {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case ConsistencyStrong:
			c.strong = true
		case "", "default":
		default:
			return c, framework.BadRequest("gateway: %s: unknown consistency %q (only %q)", HeaderConsistency, v, ConsistencyStrong)
		}
	}
	return c, nil
}

// awaitConsistency waits until this node's projections satisfy c.
func (s *Server) awaitConsistency(ctx context.Context, c consistency) error {
	if s.cfg.Deps.Store == nil || (c.index == 0 && !c.strong) {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, indexWait)
	defer cancel()
	want := c.index
	if c.strong {
		last, err := s.leaderLastSeq(wctx)
		if err != nil {
			s.cfg.Log.Warn("consistent read refused", "err", err)
			return framework.Errorf(http.StatusServiceUnavailable, "%v", ErrNoLeader)
		}
		want = max(want, last)
	}
	if err := s.cfg.Deps.Store.WaitApplied(wctx, want); err != nil {
		return framework.Errorf(http.StatusPreconditionFailed, "index %d not yet applied on this node", want)
	}
	return nil
}

// leaderLastSeq is the ledger stream's last sequence as its leader states
// it. A clustered answer that names no leader came from a replica while
// the stream is leaderless (JetStream lets one answer then): its last
// sequence may miss a committed message, so it is not taken.
func (s *Server) leaderLastSeq(ctx context.Context) (uint64, error) {
	if s.cfg.Deps.Ledger == nil {
		return 0, ErrNoLeader
	}
	info, err := s.cfg.Deps.Ledger.StreamInfo(ctx)
	if err != nil {
		return 0, err
	}
	if info.Cluster != nil && info.Cluster.Leader == "" && s.cfg.Deps.Ledger.Replicas() > 1 {
		return 0, ErrNoLeader
	}
	return info.State.LastSeq, nil
}

// awaitRequested waits for what the request asked for, if anything.
func (s *Server) awaitRequested(ctx context.Context, r *http.Request) error {
	c, err := consistencyOf(r)
	if err != nil {
		return err
	}
	return s.awaitConsistency(ctx, c)
}
