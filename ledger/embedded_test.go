package ledger

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testcert"
)

// routeTLS is a node's route TLS configuration with a certificate for
// 127.0.0.1 from a new CA of its own (what config.RouteTLS builds from a
// listener certificate and leader_ca_cert_file).
func routeTLS(t *testing.T, name string) *tls.Config {
	t.Helper()
	ca := testcert.NewCA(t, name)
	leaf := ca.Issue(t, "node", "127.0.0.1")
	return &tls.Config{
		MinVersion: tls.VersionTLS12, RootCAs: ca.Pool(), ClientCAs: ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert,
		Certificates: []tls.Certificate{leaf.TLS},
	}
}

// freeRouteAddrs reserves n loopback ports and releases them for the
// servers to take (testkit has the same, but imports this package).
func freeRouteAddrs(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		out = append(out, l.Addr().String())
	}
	return out
}

// routedPeers names the servers ns has a route with.
func routedPeers(t *testing.T, ns *server.Server) []string {
	t.Helper()
	rz, err := ns.Routez(nil)
	require.NoError(t, err)
	var names []string
	for _, r := range rz.Routes {
		if r.RemoteName != "" && !slices.Contains(names, r.RemoteName) {
			names = append(names, r.RemoteName)
		}
	}
	slices.Sort(names)
	return names
}

// TestEmbeddedRoutesOverTLS forms a three-server cluster over mutual-TLS
// routes, creates an R3 stream on it, and checks that a fourth server
// whose certificate comes from another CA, and one without TLS, are
// refused by every member.
func TestEmbeddedRoutesOverTLS(t *testing.T) {
	addrs := freeRouteAddrs(t, 5)
	good := routeTLS(t, "cluster-ca")
	conns := make([]*nats.Conn, 5)
	start := func(i int, tc *tls.Config, peers []string) *server.Server {
		ns, nc, err := StartEmbedded(EmbeddedConfig{
			StoreDir: filepath.Join(t.TempDir(), "nats"), ServerName: fmt.Sprintf("n%d", i+1),
			ClusterAddr: addrs[i], Routes: peers, RouteTLS: tc,
		})
		require.NoError(t, err)
		t.Cleanup(func() { nc.Close(); ns.Shutdown(); ns.WaitForShutdown() })
		conns[i] = nc
		return ns
	}
	servers := make([]*server.Server, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			var peers []string
			for j := range 3 {
				if j != i {
					peers = append(peers, addrs[j])
				}
			}
			servers[i] = start(i, good, peers)
		})
	}
	wg.Wait()
	requireFullMesh(t, servers, "over TLS")
	// A route port speaks TLS only, and only to a holder of a
	// certificate from the CA: with one it greets with its INFO, without
	// one the handshake is refused.
	greet := func(tc *tls.Config) (string, error) {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addrs[0], tc)
		if err != nil {
			return "", err
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		return bufio.NewReader(c).ReadString('\n')
	}
	info, err := greet(good)
	require.NoError(t, err)
	require.Contains(t, info, "INFO ")
	anonymous := good.Clone()
	anonymous.Certificates = nil
	_, err = greet(anonymous)
	require.ErrorContains(t, err, "certificate required")

	// JetStream places an R3 stream over the TLS routes.
	ledger, err := OpenWithOptions(t.Context(), conns[0], OpenOptions{Replicas: 3, FormWait: time.Minute})
	require.NoError(t, err)
	si, err := ledger.StreamInfo(t.Context())
	require.NoError(t, err)
	require.NotNil(t, si.Cluster)
	require.Len(t, si.Cluster.Replicas, 2)

	// A server with another CA's certificate, and one in plaintext, both
	// pointed at every member: nobody lets them in.
	stranger := start(3, routeTLS(t, "other-ca"), addrs[:3])
	plain := start(4, nil, addrs[:3])
	time.Sleep(3 * time.Second) // routes are retried every second: give them a few tries
	require.Empty(t, routedPeers(t, stranger), "a server with another CA joined")
	require.Empty(t, routedPeers(t, plain), "a plaintext server joined")
	for _, ns := range servers {
		require.Len(t, routedPeers(t, ns), 2, "%s has routes to outsiders", ns.Name())
	}
}

// TestEmbeddedRoutesWithSecret forms a three-server cluster over
// plaintext routes authorised by a shared secret, and checks that a
// server with another secret, and one with none, are refused by every
// member (and that none of them learns the secret from the other).
func TestEmbeddedRoutesWithSecret(t *testing.T) {
	addrs := freeRouteAddrs(t, 5)
	secret := []byte("correct horse battery staple, cluster one")
	start := func(i int, secret []byte, peers []string) *server.Server {
		ns, nc, err := StartEmbedded(EmbeddedConfig{
			StoreDir: filepath.Join(t.TempDir(), "nats"), ServerName: fmt.Sprintf("n%d", i+1),
			ClusterAddr: addrs[i], Routes: peers, RouteSecret: secret,
		})
		require.NoError(t, err)
		t.Cleanup(func() { nc.Close(); ns.Shutdown(); ns.WaitForShutdown() })
		return ns
	}
	servers := make([]*server.Server, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			// Each names only the next: the third route is gossiped, and
			// an implicit route must carry the credentials too.
			servers[i] = start(i, secret, []string{addrs[(i+1)%3]})
		})
	}
	wg.Wait()
	requireFullMesh(t, servers, "with the secret")

	wrong := start(3, []byte("correct horse battery staple, cluster two"), addrs[:3])
	none := start(4, nil, addrs[:3])
	// Routes are retried every second: a few tries pass without a join.
	// The members are watched, not the outsiders: a soliciting server
	// lists its route for a moment once the member's INFO arrives, before
	// the member refuses its CONNECT and closes it.
	require.Never(t, func() bool {
		for _, ns := range servers {
			if peers := routedPeers(t, ns); slices.Contains(peers, wrong.Name()) || slices.Contains(peers, none.Name()) {
				return true
			}
		}
		return false
	}, 3*time.Second, 50*time.Millisecond, "a member took a route from a server without the secret")
	for _, ns := range servers {
		require.Len(t, routedPeers(t, ns), 2, "%s has routes to outsiders", ns.Name())
	}
	// A real join would stay; a refused try is gone at once.
	require.Eventually(t, func() bool {
		return len(routedPeers(t, wrong)) == 0 && len(routedPeers(t, none)) == 0
	}, 5*time.Second, 20*time.Millisecond, "an outsider keeps a route into the cluster")
}

func TestRouteCredentials(t *testing.T) {
	secret := []byte("a cluster secret")
	user, pass := RouteCredentials(secret)
	require.Equal(t, routeUser, user)
	require.NotContains(t, pass, string(secret))
	_, again := RouteCredentials(secret)
	require.Equal(t, pass, again, "every node derives the same password")
	_, other := RouteCredentials([]byte("another cluster secret"))
	require.NotEqual(t, pass, other)
}

// requireFullMesh waits until each of the servers routes to all the others.
func requireFullMesh(t *testing.T, servers []*server.Server, how string) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, ns := range servers {
			if len(routedPeers(t, ns)) != len(servers)-1 {
				return false
			}
		}
		return true
	}, 30*time.Second, 100*time.Millisecond, "the servers did not form a cluster "+how)
}
