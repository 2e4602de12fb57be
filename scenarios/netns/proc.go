package netns

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// ErrExited reports that a process ended before it was asked to.
var ErrExited = errors.New("netns: process exited")

// Proc is a server process running in one node's namespace, reached by
// the test on the node's loopback.
type Proc struct {
	nt    *Net
	node  int
	Addr  string // http(s)://127.0.0.1:<port> inside the node's namespace
	Token string
	// CACert, when set, is a PEM file the clients trust (a TLS listener).
	CACert string

	out  harness.SyncBuffer
	cmd  *exec.Cmd
	done chan struct{}
	werr error
}

// Start runs bin with args in node i's namespace; addr is the URL the
// process serves on inside it. The process is killed when the test ends
// (and by the kernel if the test process dies first); its output is
// logged when the test failed.
func (nt *Net) Start(t testing.TB, i int, addr, bin string, args ...string) *Proc {
	t.Helper()
	p := &Proc{nt: nt, node: i, Addr: addr, done: make(chan struct{})}
	p.cmd = nt.Command(i, bin, args...)
	p.cmd.Env = harness.CleanEnv()
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("netns: start %s in %s: %v", bin, nt.nodes[i], err)
	}
	go func() {
		p.werr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("node%d (%s) output:\n%s", i+1, nt.nodes[i], harness.Tail(p.out.String(), 32<<10))
		}
	})
	return p
}

// Kill sends SIGKILL and waits for the process to end.
func (p *Proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Exited returns ErrExited with the process's status once it has ended,
// nil while it runs.
func (p *Proc) Exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%w: %v", ErrExited, p.werr)
	default:
		return nil
	}
}

// Output is everything the process wrote so far.
func (p *Proc) Output() string { return p.out.String() }

// HTTPClient dials from inside the process's namespace, trusting CACert.
func (p *Proc) HTTPClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		DialContext:       p.nt.Dialer(p.node),
		DisableKeepAlives: true, // a cut must never leave a test on a stale connection
	}
	if p.CACert != "" {
		pool := x509.NewCertPool()
		if pem, err := os.ReadFile(p.CACert); err == nil {
			pool.AppendCertsFromPEM(pem)
		}
		// The node is reached on its loopback; its certificate names it so.
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Timeout: timeout, Transport: tr}
}

// Client is a Vault client for the process, with its token and no
// retries, so the test sees every answer as it was.
func (p *Proc) Client(t testing.TB) *vault.Client {
	t.Helper()
	cfg := vault.DefaultConfig()
	cfg.Address = p.Addr
	cfg.MaxRetries = 0
	cfg.HttpClient = p.HTTPClient(30 * time.Second)
	c, err := vault.NewClient(cfg)
	if err != nil {
		t.Fatalf("netns: vault client: %v", err)
	}
	c.SetToken(p.Token)
	c.ClearNamespace()
	return c
}

// Health returns the status code of GET /v1/sys/health, or an error when
// nothing answers.
func (p *Proc) Health(ctx context.Context) (int, error) {
	if err := p.Exited(); err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.Addr+"/v1/sys/health", nil)
	if err != nil {
		return 0, err
	}
	resp, err := p.HTTPClient(3 * time.Second).Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
