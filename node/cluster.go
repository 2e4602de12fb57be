package node

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/cluster/election"
	"github.com/cofferhq/coffer/engines/ha"
	"github.com/cofferhq/coffer/ledger"
)

// clusterStatus gathers sys/ha-status: the stream's leader and replicas
// from JetStream, this node's applied index and the singleton lease.
func (n *Node) clusterStatus(ctx context.Context) (ha.Status, error) {
	st := ha.Status{NodeID: n.nodeID(), APIAddr: n.Addr, Clustered: n.cfg.Cluster != nil || n.cfg.External != nil}
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
