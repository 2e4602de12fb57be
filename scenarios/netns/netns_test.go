package netns_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/netns"
)

// reach reports whether node from can open a TCP connection to addr.
func reach(nt *netns.Net, from int, addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := nt.Dialer(from)(ctx, "tcp", addr)
	if err == nil {
		c.Close()
	}
	return err
}

// TestCutIsolatesOnlyTheNode checks the network the fault tests rely on:
// nodes reach each other over the bridge, a cut node reaches nobody and
// nobody reaches it, its loopback still answers the test, and a heal
// restores it.
func TestCutIsolatesOnlyTheNode(t *testing.T) {
	nt := netns.New(t, 3)
	var addrs, local []string
	for i := range 3 {
		l, err := nt.Listen(i, "tcp", "0.0.0.0:7000")
		require.NoError(t, err)
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		addrs = append(addrs, net.JoinHostPort(nt.IP(i), "7000"))
		local = append(local, "127.0.0.1:7000")
	}
	// A fresh link may take a moment to carry traffic on a loaded machine.
	require.Eventually(t, func() bool { return reach(nt, 0, addrs[1]) == nil && reach(nt, 2, addrs[0]) == nil },
		10*time.Second, 100*time.Millisecond, "the nodes do not reach each other")

	nt.Cut(1)
	require.Error(t, reach(nt, 0, addrs[1]), "a cut node is reachable")
	require.Error(t, reach(nt, 1, addrs[2]), "a cut node reaches another")
	require.NoError(t, reach(nt, 0, addrs[2]), "the others lost each other")
	require.NoError(t, reach(nt, 1, local[1]), "a cut node's loopback")

	nt.Heal(1)
	require.Eventually(t, func() bool { return reach(nt, 0, addrs[1]) == nil && reach(nt, 1, addrs[2]) == nil },
		10*time.Second, 100*time.Millisecond, "the heal did not restore the node")
}
