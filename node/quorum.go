package node

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cofferhq/coffer/cluster/quorum"
)

// startQuorumMonitor watches the ledger stream's quorum on a replicated
// ledger (a single replica is its own quorum).
func (n *Node) startQuorumMonitor() {
	if n.ledger.Replicas() < 2 {
		return
	}
	o := quorum.Options{Log: n.cfg.Log}
	if n.ns != nil && n.cfg.Cluster != nil {
		o.Reachable = n.reachableServers
	}
	n.quorum = quorum.New(n.ledger.StreamInfo, o)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	n.stopQuorum = func() { cancel(); wg.Wait() }
	wg.Go(func() { n.quorum.Run(ctx) })
	if n.ns != nil && n.cfg.Cluster != nil {
		wg.Go(func() { n.watchRoutes(ctx) })
	}
}

// routeWatchInterval is how often the embedded server's routes are
// looked at for a peer that went away.
const routeWatchInterval = 100 * time.Millisecond

// watchRoutes tells the ledger when a route to another server drops (a
// killed node's routes close at once): a request forwarded to the
// elected writer on that server would otherwise wait out its whole
// timeout (ledger.Store.PeerLost).
func (n *Node) watchRoutes(ctx context.Context) {
	t := time.NewTicker(routeWatchInterval)
	defer t.Stop()
	prev := n.routedServers()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cur := n.routedServers()
		if lostPeer(prev, cur) {
			n.ledger.PeerLost()
		}
		prev = cur
	}
}

// lostPeer reports whether a server in prev is missing from cur.
func lostPeer(prev, cur map[string]bool) bool {
	for name := range prev {
		if !cur[name] {
			return true
		}
	}
	return false
}

// routedServers names the servers the embedded server has routes to.
func (n *Node) routedServers() map[string]bool {
	names := map[string]bool{}
	rz, err := n.ns.Routez(nil)
	if err != nil {
		return names
	}
	for _, r := range rz.Routes {
		if r.RemoteName != "" {
			names[r.RemoteName] = true
		}
	}
	return names
}

// passWithoutQuorum are the paths served as usual while the quorum is
// lost: none of them appends to the ledger (they are not audited).
var passWithoutQuorum = map[string]bool{
	"/v1/sys/leader": true, "/v1/sys/seal-status": true, "/v1/sys/init": true, "/v1/sys/unseal": true,
}

// refuseWithoutQuorum answers a request that would need the ledger while
// this node cannot reach a quorum of its replicas: 503 at once with the
// reason, rather than a wait for the publish timeout. Reads are refused
// too: every response has a durable audit record first, and without a
// quorum none can be made. sys/health answers 429 (or the caller's
// standbycode) as for a node that cannot serve writes. It reports whether
// it answered.
func (n *Node) refuseWithoutQuorum(w http.ResponseWriter, r *http.Request) bool {
	if n.quorum == nil || !strings.HasPrefix(r.URL.Path, "/v1/") || passWithoutQuorum[r.URL.Path] {
		return false
	}
	lost := n.quorum.Lost()
	if lost == nil {
		return false
	}
	if r.URL.Path == "/v1/sys/health" {
		q := r.URL.Query()
		if ok, _ := strconv.ParseBool(q.Get("standbyok")); ok {
			return false
		}
		code := http.StatusTooManyRequests
		if c, err := strconv.Atoi(q.Get("standbycode")); err == nil && c >= 200 && c < 600 {
			code = c
		}
		n.handler.Load().h.ServeHTTP(&statusOverride{ResponseWriter: w, code: code}, r)
		return true
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string][]string{"errors": {
		lost.Error() + "; this node refuses every request that must be recorded in the ledger (reads too: each is audited first) until the cluster heals",
	}})
	return true
}

// statusOverride turns sys/health's 200 into the code of a node that
// cannot serve writes; other codes (sealed, uninitialised) stand.
type statusOverride struct {
	http.ResponseWriter
	code int
}

func (s *statusOverride) WriteHeader(code int) {
	if code == http.StatusOK {
		code = s.code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusOverride) Write(b []byte) (int, error) { return s.ResponseWriter.Write(b) }

// reachableServers counts the cluster's servers the embedded NATS server
// has routes to, itself included, out of the configured ones (route
// pooling opens several connections per server: count names).
func (n *Node) reachableServers() (int, int) {
	return len(n.routedServers()) + 1, len(n.cfg.Cluster.Peers) + 1
}
