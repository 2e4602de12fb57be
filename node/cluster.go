package node

import (
	"context"
	"errors"
	"time"

	"github.com/cofferhq/coffer/cluster/election"
	"github.com/cofferhq/coffer/cluster/members"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/ha"
	"github.com/cofferhq/coffer/ledger"
)

// clusterStatus gathers sys/ha-status: the stream's leader and replicas
// from JetStream, this node's applied index and the singleton lease.
func (n *Node) clusterStatus(ctx context.Context) (ha.Status, error) {
	st := ha.Status{NodeID: n.nodeID(), APIAddr: n.Addr, Clustered: n.cfg.Cluster != nil || n.cfg.External != nil}
	if n.quorum != nil {
		if err := n.quorum.Lost(); err != nil {
			st.NoQuorum = err.Error()
		}
	}
	info, err := n.ledger.StreamInfo(ctx)
	if err != nil {
		return st, err
	}
	st.LastSeq = info.State.LastSeq
	if c := info.Cluster; c != nil {
		st.StreamLeader = c.Leader
		if c.Leader != "" {
			st.Peers = append(st.Peers, ha.Peer{Name: c.Leader, Leader: true, Current: true})
		}
		for _, r := range c.Replicas {
			st.Peers = append(st.Peers, ha.Peer{Name: r.Name, Current: r.Current, Lag: r.Lag, Active: r.Active, Offline: r.Offline})
		}
	}
	n.mu.Lock()
	a := n.active
	n.mu.Unlock()
	if a == nil {
		return st, ledger.ErrSealed
	}
	st.Applied = a.store.AppliedSeq()
	st.Singletons = a.singletons
	st.Leading, st.SingletonToken = a.elector.Leading()
	holder, tok, err := a.elector.Holder(ctx)
	if err != nil && !errors.Is(err, election.ErrNoHolder) {
		return st, err
	}
	st.SingletonHolder = holder
	if !st.Leading {
		st.SingletonToken = tok
	}
	return st, nil
}

// Leading reports whether this node runs the cluster's singletons.
func (n *Node) Leading() bool {
	n.mu.Lock()
	a := n.active
	n.mu.Unlock()
	return a != nil && a.leading()
}

// membersWait bounds how long sys/ha-status waits for the other nodes'
// answers: a node that is down costs the caller this much.
const membersWait = 500 * time.Millisecond

// self is this node's answer to cluster/members.
func (n *Node) self(a *activeNode) members.Member {
	return members.Member{NodeID: n.nodeID(), APIAddr: n.Addr, Applied: a.store.AppliedSeq(), Leading: a.leading()}
}

// membersService answers the other nodes' cluster/members questions.
func (n *Node) membersService(a *activeNode) framework.Service {
	return framework.Service{Name: "cluster members", Run: func(ctx context.Context) error {
		return members.Serve(ctx, n.ledger.Conn(), n.sealer, func() members.Member { return n.self(a) })
	}}
}

// sealer is the barrier, or nil while sealed (a nil *Barrier must not
// become a non-nil interface).
func (n *Node) sealer() members.Sealer {
	if b := n.ledger.Barrier(); b != nil {
		return b
	}
	return nil
}

// clusterMembers asks every node where it stands; a single node answers
// for itself. With embedded servers the nodes are this one and its
// retry_join peers, so the gather ends once all of them answered; on an
// external JetStream any number of nodes may answer, so it waits its
// whole time.
func (n *Node) clusterMembers(ctx context.Context) []members.Member {
	n.mu.Lock()
	a := n.active
	n.mu.Unlock()
	if a == nil {
		return nil
	}
	if n.cfg.Cluster == nil && n.cfg.External == nil {
		return []members.Member{n.self(a)}
	}
	expect := 0
	if n.cfg.Cluster != nil {
		expect = 1 + len(n.cfg.Cluster.Peers)
	}
	got, err := members.Gather(ctx, n.ledger.Conn(), n.sealer(), membersWait, expect)
	if err != nil {
		n.cfg.Log.Warn("cluster members: gather failed", "err", err)
		return []members.Member{n.self(a)}
	}
	return got
}
