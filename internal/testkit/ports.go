package testkit

import (
	"net"
	"testing"
)

// FreeLoopbackAddrs reserves n loopback host:port addresses and releases
// them at once, for servers that must know each other's addresses before
// they start (cluster routes). A port taken in between fails the start
// loudly.
func FreeLoopbackAddrs(t testing.TB, n int) []string {
	t.Helper()
	var out []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("testkit: reserve a loopback port: %v", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}
