package quorum

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

func info(leader string, replicas ...*jetstream.PeerInfo) *jetstream.StreamInfo {
	return &jetstream.StreamInfo{Cluster: &jetstream.ClusterInfo{Leader: leader, Replicas: replicas}}
}

func TestCheck(t *testing.T) {
	const stale = 3 * time.Second
	alive := &jetstream.PeerInfo{Name: "n2", Current: true, Active: 100 * time.Millisecond}
	lagging := &jetstream.PeerInfo{Name: "n2", Current: false, Lag: 5000, Active: 200 * time.Millisecond}
	gone := &jetstream.PeerInfo{Name: "n3", Active: 8 * time.Second}
	offline := &jetstream.PeerInfo{Name: "n3", Offline: true}

	require.NoError(t, Check(&jetstream.StreamInfo{}, nil, stale), "one replica is its own quorum")
	require.NoError(t, Check(info("n1", alive, gone), nil, stale), "two of three")
	require.NoError(t, Check(info("n1", lagging, offline), nil, stale), "lag is not absence")
	require.ErrorIs(t, Check(info("n1", gone, offline), nil, stale), ErrNoQuorum)
	require.ErrorContains(t, Check(info("n1", gone, offline), nil, stale), "1 of 3 replicas reachable, 2 needed")
	require.ErrorIs(t, Check(info("", alive, alive), nil, stale), ErrNoQuorum)
	require.ErrorIs(t, Check(nil, context.DeadlineExceeded, stale), ErrNoQuorum)
}

func TestMonitorNeedsMissesInARow(t *testing.T) {
	var fail bool
	m := New(func(context.Context) (*jetstream.StreamInfo, error) {
		if fail {
			return nil, errors.New("timeout")
		}
		return &jetstream.StreamInfo{}, nil
	}, Options{Misses: 2})
	ctx := context.Background()
	m.Probe(ctx)
	require.NoError(t, m.Lost())
	fail = true
	m.Probe(ctx)
	require.NoError(t, m.Lost(), "one miss is not a loss")
	m.Probe(ctx)
	require.ErrorIs(t, m.Lost(), ErrNoQuorum)
	fail = false
	m.Probe(ctx)
	require.NoError(t, m.Lost(), "one good probe restores it")
}

func TestMonitorWaitsOutAnElection(t *testing.T) {
	reachable := 2
	m := New(func(context.Context) (*jetstream.StreamInfo, error) {
		return nil, errors.New("no responders")
	}, Options{Misses: 1, Reachable: func() (int, int) { return reachable, 3 }})
	m.Probe(context.Background())
	require.NoError(t, m.Lost(), "no stream leader, but two of three servers: an election")
	reachable = 1
	m.Probe(context.Background())
	require.ErrorIs(t, m.Lost(), ErrNoQuorum)
}
