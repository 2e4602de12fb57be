package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// -cluster: the server is three Coffer nodes and the workers are spread
// over them (worker i talks to node i mod 3), as clients behind a load
// balancer would be; every node accepts writes. A three-node OpenBao
// cluster to compare with is not set up yet: its followers, joined by
// retry_join, refused their unseal key here ("failed to create cipher:
// crypto/aes: invalid key size 0"), so -cluster refuses -bao.

// clusterNodes is the size of a -cluster cluster.
const clusterNodes = 3

// clusterStart bounds a cluster's start-up: forming, init, unseal.
const clusterStart = 3 * time.Minute

// cofferClusterConfig is the tutorial's raft stanza for node i of the
// cluster whose routes listen on routes; the harness fills in the API
// address and data dir.
func cofferClusterConfig(i int, routes []string) string {
	var joins strings.Builder
	for j, r := range routes {
		if j != i {
			// The API ports are the harness's; leader_cluster_addr names the routes.
			fmt.Fprintf(&joins, "  retry_join {\n    leader_api_addr     = \"http://127.0.0.1:1\"\n    leader_cluster_addr = \"http://%s\"\n  }\n", r)
		}
	}
	return fmt.Sprintf(`storage "raft" {
  path    = "{{DATA}}"
  node_id = "bench-%d"
%s}
listener "tcp" {
  address     = "{{ADDR}}"
  tls_disable = true
}
api_addr     = "http://{{ADDR}}"
cluster_addr = "http://%s"
`, i+1, joins.String(), routes[i])
}

// startCofferCluster starts three coffer nodes as one cluster,
// initialises and unseals them and mounts KV v2 at secret/ (as a dev
// server has it). It returns the nodes' addresses, comma-separated, and
// the root token.
func startCofferCluster(bin string) (string, string, func(), error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", "", nil, err
	}
	routes := make([]string, clusterNodes)
	for i := range routes {
		port, err := freePort()
		if err != nil {
			return "", "", nil, err
		}
		routes[i] = fmt.Sprintf("127.0.0.1:%d", port)
	}
	nodes := make([]*harness.Server, clusterNodes)
	dirs := make([]string, clusterNodes)
	errs := make([]error, clusterNodes)
	var wg sync.WaitGroup
	for i := range nodes {
		if dirs[i], err = os.MkdirTemp("", "coffer-loadgen-cluster-"); err != nil {
			return "", "", nil, err
		}
		wg.Go(func() {
			// The harness writes the config beside the data dir: one parent each.
			nodes[i], errs[i] = harness.Launch(harness.Options{Bin: abs, DataDir: filepath.Join(dirs[i], "data"),
				Config: cofferClusterConfig(i, routes), StartTimeout: clusterStart})
		})
	}
	wg.Wait()
	cleanup := func() {
		for i, s := range nodes {
			if s != nil {
				if err := s.Stop(); err != nil {
					fmt.Fprintf(os.Stderr, "loadgen: stopping cluster node %d: %v\n%s", i+1, err, lastLines(s.Output(), 20))
				}
			}
			os.RemoveAll(dirs[i])
		}
	}
	if err := errors.Join(errs...); err != nil {
		cleanup()
		return "", "", nil, err
	}
	token, err := initCluster(nodes)
	if err != nil {
		cleanup()
		return "", "", nil, fmt.Errorf("coffer cluster: %w", err)
	}
	var addrs []string
	for _, s := range nodes {
		addrs = append(addrs, s.Addr)
	}
	fmt.Fprintf(os.Stderr, "started a three-node coffer cluster at %s\n", strings.Join(addrs, ", "))
	return strings.Join(addrs, ","), token, cleanup, nil
}

// initCluster initialises the cluster through its first node, unseals
// every node, mounts secret/ and waits until every node takes a write.
func initCluster(nodes []*harness.Server) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), clusterStart)
	defer cancel()
	clients := make([]*vault.Client, len(nodes))
	for i, s := range nodes {
		c, err := newAdminClient(s.Addr, "")
		if err != nil {
			return "", err
		}
		clients[i] = c
	}
	init, err := clients[0].Sys().InitWithContext(ctx, &vault.InitRequest{SecretShares: 1, SecretThreshold: 1})
	if err != nil {
		return "", fmt.Errorf("init: %w", err)
	}
	for i, c := range clients {
		c.SetToken(init.RootToken)
		if _, err := c.Sys().UnsealWithContext(ctx, init.Keys[0]); err != nil {
			return "", fmt.Errorf("unseal node %d: %w", i+1, err)
		}
	}
	if err := retry(ctx, func() error {
		return clients[0].Sys().MountWithContext(ctx, kvMount, &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}})
	}); err != nil {
		return "", fmt.Errorf("mount kv v2: %w", err)
	}
	for i, c := range clients {
		if err := retry(ctx, func() error {
			_, err := c.KVv2(kvMount).Put(ctx, fmt.Sprintf("loadgen/ready/%d", i), map[string]any{"ok": "yes"})
			return err
		}); err != nil {
			return "", fmt.Errorf("node %d takes no write: %w", i+1, err)
		}
	}
	return init.RootToken, nil
}

// newAdminClient is a client for set-up calls, with no retries of its own.
func newAdminClient(addr, token string) (*vault.Client, error) {
	vc := vault.DefaultConfig()
	vc.Address = addr
	vc.MaxRetries = 0
	vc.Timeout = time.Minute
	c, err := vault.NewClient(vc)
	if err != nil {
		return nil, err
	}
	c.SetToken(token)
	c.ClearNamespace()
	return c, nil
}

// retry calls fn every 200 ms until it succeeds or ctx ends.
func retry(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
