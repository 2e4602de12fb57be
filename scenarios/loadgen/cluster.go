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

// -cluster: each server is three nodes and the workers are spread over
// them (worker i talks to node i mod 3), as clients behind a load
// balancer would be. Coffer's nodes all accept writes; OpenBao's standbys
// forward theirs to the active node.

// clusterNodes is the size of a -cluster cluster.
const clusterNodes = 3

// clusterStart bounds a cluster's start-up: forming, init, unseal.
const clusterStart = 3 * time.Minute

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
				Config: harness.ClusterConfig(i, routes), StartTimeout: clusterStart})
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

// startBaoCluster starts three OpenBao nodes with raft storage joined by
// retry_join and a file audit device each, initialises the first (which
// becomes active), unseals the others (they join as standbys) and mounts
// secret/. It returns the addresses, comma-separated, and the root token.
func startBaoCluster(ctx context.Context, bin string) (string, string, func(), error) {
	ports := make([]int, clusterNodes)
	addrs := make([]string, clusterNodes)
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return "", "", nil, err
		}
		ports[i], addrs[i] = p, fmt.Sprintf("http://127.0.0.1:%d", p)
	}
	var nodes []*baoServer
	var cleanups []func()
	cleanup := func() {
		for _, c := range cleanups {
			c()
		}
	}
	for i := range clusterNodes {
		var joins []string
		for j, a := range addrs {
			if j != i {
				joins = append(joins, a)
			}
		}
		b, c, err := launchBao(bin, fmt.Sprintf("bench-%d", i+1), ports[i], joins)
		if err != nil {
			cleanup()
			return "", "", nil, err
		}
		nodes, cleanups = append(nodes, b), append(cleanups, c)
	}
	fail := func(i int, err error) (string, string, func(), error) {
		out := lastLines(nodes[i].output(), 20)
		cleanup()
		return "", "", nil, fmt.Errorf("openbao node %d: %w\n%s", i+1, err, out)
	}
	if err := nodes[0].setup(ctx); err != nil {
		return fail(0, err)
	}
	sctx, cancel := context.WithTimeout(ctx, clusterStart)
	defer cancel()
	for i := 1; i < len(nodes); i++ {
		c, err := newAdminClient(nodes[i].addr, "")
		if err != nil {
			return fail(i, err)
		}
		// A joining node takes the key while it waits for the leader's
		// challenge and may still be sealed once it has joined: give it
		// the key again until it stands by.
		if err := retry(sctx, func() error {
			h, err := c.Sys().HealthWithContext(sctx)
			switch {
			case err != nil:
				return err
			case h.Sealed:
				if _, err := c.Sys().UnsealWithContext(sctx, nodes[0].unsealKey); err != nil {
					return fmt.Errorf("unseal: %w", err)
				}
				return errors.New("sealed")
			case !h.Initialized || !h.Standby:
				return fmt.Errorf("not a standby yet: %+v", h)
			}
			return nil
		}); err != nil {
			return fail(i, err)
		}
	}
	fmt.Fprintf(os.Stderr, "started a three-node OpenBao cluster at %s (raft storage and file audit)\n", strings.Join(addrs, ", "))
	return strings.Join(addrs, ","), nodes[0].token, cleanup, nil
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
