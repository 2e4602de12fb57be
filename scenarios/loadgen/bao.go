package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	vault "github.com/hashicorp/vault/api"
)

// The reference server for -bao: OpenBao as production runs it, with
// integrated (raft) storage on disk and a file audit device, started on a
// temporary dir and a free loopback port, initialised with one unseal key,
// unsealed, with KV v2 mounted at secret/ as Coffer's dev server has it.
// The binary is built from OpenBao's source outside this repository (see
// docs/benchmarks.md); nothing of it is committed.
const baoConfig = `storage "raft" {
  path    = "{{DATA}}/raft"
  node_id = "{{NODE}}"
{{JOINS}}}
listener "tcp" {
  address         = "{{ADDR}}"
  cluster_address = "{{CLUSTER}}"
  tls_disable     = true
}
api_addr      = "http://{{ADDR}}"
cluster_addr  = "http://{{CLUSTER}}"
disable_mlock = true
ui            = false
log_level     = "warn"
# OpenBao takes audit devices from its configuration only.
audit "file" "file" {
  options {
    file_path = "{{DATA}}/audit.log"
  }
}
`

type baoServer struct {
	addr, token, dir string
	unsealKey        string // set by setup, for the other nodes of a cluster
	cmd              *exec.Cmd
	out              *bytes.Buffer
	mu               sync.Mutex
	done             chan struct{}
}

func startBao(ctx context.Context, bin string) (*baoServer, func(), error) {
	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	b, cleanup, err := launchBao(bin, "bench", port, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := b.setup(ctx); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("openbao: %w\n%s", err, lastLines(b.output(), 20))
	}
	fmt.Fprintf(os.Stderr, "started OpenBao %s at %s (raft storage and file audit under %s)\n", bin, b.addr, b.dir)
	return b, cleanup, nil
}

// launchBao starts one OpenBao process on a temporary dir, API port port
// and a free cluster port, its raft storage joining the nodes at joins
// (API URLs; none for a single node). It does not initialise it.
func launchBao(bin, nodeID string, port int, joins []string) (*baoServer, func(), error) {
	dir, err := os.MkdirTemp("", "coffer-loadgen-bao-")
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*baoServer, func(), error) {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cport, err := freePort()
	if err != nil {
		return fail(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	var joinText strings.Builder
	for _, j := range joins {
		fmt.Fprintf(&joinText, "  retry_join {\n    leader_api_addr = %q\n  }\n", j)
	}
	conf := strings.NewReplacer("{{DATA}}", dir, "{{ADDR}}", listen, "{{CLUSTER}}", fmt.Sprintf("127.0.0.1:%d", cport),
		"{{NODE}}", nodeID, "{{JOINS}}", joinText.String()).Replace(baoConfig)
	confPath := filepath.Join(dir, "bao.hcl")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "raft"), 0o700); err != nil {
		return fail(err)
	}
	b := &baoServer{addr: "http://" + listen, dir: dir, out: &bytes.Buffer{}, done: make(chan struct{})}
	b.cmd = exec.Command(bin, "server", "-config="+confPath)
	b.cmd.Stdout, b.cmd.Stderr = lockedWriter{b}, lockedWriter{b}
	b.cmd.Env = append(os.Environ(), "BAO_ADDR="+b.addr)
	if err := b.cmd.Start(); err != nil {
		return fail(fmt.Errorf("start %s: %w", bin, err))
	}
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	cleanup := func() {
		_ = b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-b.done:
		case <-time.After(20 * time.Second):
			_ = b.cmd.Process.Kill()
			<-b.done
		}
		os.RemoveAll(dir)
	}
	return b, cleanup, nil
}

type lockedWriter struct{ b *baoServer }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.b.mu.Lock()
	defer w.b.mu.Unlock()
	return w.b.out.Write(p)
}

func (b *baoServer) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

// setup initialises, unseals, waits to be the active node, checks that
// the configured file audit device is on and mounts KV v2 at secret/.
func (b *baoServer) setup(ctx context.Context) error {
	cfg := vault.DefaultConfig()
	cfg.Address = b.addr
	cfg.MaxRetries = 0
	c, err := vault.NewClient(cfg)
	if err != nil {
		return err
	}
	c.ClearNamespace()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := c.Sys().InitStatusWithContext(ctx); err == nil {
			break
		}
		select {
		case <-b.done:
			return errors.New("exited during start-up")
		default:
		}
		if time.Now().After(deadline) {
			return errors.New("no answer after 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	init, err := c.Sys().InitWithContext(ctx, &vault.InitRequest{SecretShares: 1, SecretThreshold: 1})
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := c.Sys().UnsealWithContext(ctx, init.KeysB64[0]); err != nil {
		return fmt.Errorf("unseal: %w", err)
	}
	b.token, b.unsealKey = init.RootToken, init.KeysB64[0]
	c.SetToken(b.token)
	for {
		h, err := c.Sys().HealthWithContext(ctx)
		if err == nil && h.Initialized && !h.Sealed && !h.Standby {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not active after 60s (last: %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	audits, err := c.Sys().ListAuditWithContext(ctx)
	if err != nil {
		return fmt.Errorf("list audit devices: %w", err)
	}
	if _, ok := audits["file/"]; !ok {
		return fmt.Errorf("the file audit device from the configuration is not enabled (have %v)", audits)
	}
	if err := c.Sys().MountWithContext(ctx, kvMount, &vault.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		return fmt.Errorf("mount kv v2: %w", err)
	}
	// A new KV v2 mount answers writes only once its upgrade has run.
	for {
		_, err := c.KVv2(kvMount).Put(ctx, "loadgen/ready", map[string]any{"ok": "yes"})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kv v2 not writable after 60s: %w", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
