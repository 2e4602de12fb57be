package netns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// ErrSetns reports that a thread could not enter or leave a namespace.
var ErrSetns = errors.New("netns: setns")

// Net is a set of node namespaces joined by a bridge in a hub namespace.
type Net struct {
	t      testing.TB
	ipBin  string
	prefix string // unique per Net: names of namespaces and links
	subnet int    // the second octet of 10.<subnet>.0.0/24
	nodes  []string
	hub    string
}

// New creates n node namespaces joined by a bridge, or skips the test
// when it cannot (not root, no `ip`). Cleanup removes them all.
func New(t testing.TB, n int) *Net {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("netns: network namespaces need root (CI runs as root)")
	}
	ipBin, err := exec.LookPath("ip")
	if err != nil {
		t.Skip("netns: no `ip` binary (iproute2) on PATH")
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	// Interface names are at most 15 bytes: "cf" + 6 hex + "h" + index.
	nt := &Net{t: t, ipBin: ipBin, prefix: "cf" + hex.EncodeToString(b), subnet: 64 + int(b[0])%128}
	nt.hub = nt.prefix + "-hub"
	t.Cleanup(nt.remove)
	nt.must("netns", "add", nt.hub)
	nt.must("-n", nt.hub, "link", "set", "lo", "up")
	nt.must("-n", nt.hub, "link", "add", "br0", "type", "bridge")
	nt.must("-n", nt.hub, "link", "set", "br0", "up")
	for i := range n {
		ns := fmt.Sprintf("%s-%d", nt.prefix, i+1)
		nt.must("netns", "add", ns)
		nt.nodes = append(nt.nodes, ns)
		nt.must("-n", ns, "link", "set", "lo", "up")
		// The pair is born in the hub and one end moved to the node, so
		// no link ever exists in the host's namespace.
		nt.must("-n", nt.hub, "link", "add", nt.hubLink(i), "type", "veth", "peer", "name", "eth0", "netns", ns)
		nt.must("-n", nt.hub, "link", "set", nt.hubLink(i), "master", "br0")
		nt.must("-n", nt.hub, "link", "set", nt.hubLink(i), "up")
		nt.must("-n", ns, "addr", "add", nt.IP(i)+"/24", "dev", "eth0")
		nt.must("-n", ns, "link", "set", "eth0", "up")
	}
	return nt
}

// hubLink is the hub's end of node i's veth.
func (nt *Net) hubLink(i int) string { return fmt.Sprintf("%sh%d", nt.prefix, i+1) }

// Name is node i's namespace name.
func (nt *Net) Name(i int) string { return nt.nodes[i] }

// IP is node i's address on the bridge.
func (nt *Net) IP(i int) string { return fmt.Sprintf("10.%d.0.%d", nt.subnet, i+1) }

// Cut takes node i's link to the others down: it keeps running and its
// loopback still answers the test, but no packet reaches another node.
func (nt *Net) Cut(i int) { nt.must("-n", nt.hub, "link", "set", nt.hubLink(i), "down") }

// Heal brings node i's link back up.
func (nt *Net) Heal(i int) { nt.must("-n", nt.hub, "link", "set", nt.hubLink(i), "up") }

// Command returns a command that runs name with args inside node i's
// namespace (`ip netns exec`), which replaces itself with the program, so
// the command's process is the program's.
func (nt *Net) Command(i int, name string, args ...string) *exec.Cmd {
	return exec.Command(nt.ipBin, append([]string{"netns", "exec", nt.nodes[i], name}, args...)...)
}

// Dialer returns a DialContext that opens its sockets inside node i's
// namespace, so "127.0.0.1:port" is the node's own loopback.
func (nt *Net) Dialer(i int) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (conn net.Conn, err error) {
		err = nt.in(i, func() error {
			var d net.Dialer
			conn, err = d.DialContext(ctx, network, addr)
			return err
		})
		return conn, err
	}
}

// Listen opens a listener inside node i's namespace.
func (nt *Net) Listen(i int, network, addr string) (l net.Listener, err error) {
	err = nt.in(i, func() error {
		l, err = net.Listen(network, addr)
		return err
	})
	return l, err
}

// in runs fn with this goroutine's thread inside node i's namespace: a
// socket stays in the namespace it was made in, whichever thread later
// uses it. A thread that cannot get back stays locked, so the runtime
// retires it with the goroutine instead of reusing it elsewhere.
func (nt *Net) in(i int, fn func() error) error {
	path := "/var/run/netns/" + nt.nodes[i]
	target, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSetns, err)
	}
	defer target.Close()
	runtime.LockOSThread()
	self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("%w: %w", ErrSetns, err)
	}
	defer self.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("%w: enter %s: %w", ErrSetns, path, err)
	}
	ferr := fn()
	if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("%w: leave %s: %w", ErrSetns, path, err) // the thread stays locked
	}
	runtime.UnlockOSThread()
	return ferr
}

// must runs `ip args...` and fails the test if it fails.
func (nt *Net) must(args ...string) {
	nt.t.Helper()
	if out, err := exec.Command(nt.ipBin, args...).CombinedOutput(); err != nil {
		nt.t.Fatalf("netns: ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// remove deletes the namespaces; their veths go with them.
func (nt *Net) remove() {
	for _, ns := range append(nt.nodes, nt.hub) {
		if out, err := exec.Command(nt.ipBin, "netns", "del", ns).CombinedOutput(); err != nil && !strings.Contains(string(out), "No such file") {
			nt.t.Logf("netns: ip netns del %s: %v\n%s", ns, err, out)
		}
	}
}
