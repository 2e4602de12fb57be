package scale

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cofferhq/coffer/node"
	"github.com/cofferhq/coffer/scenarios/harness"
)

// memoryLimit is issue 16's goal: a server holding a million KV versions
// and 100,000 leases stays under 1 GiB resident.
const memoryLimit = 1 << 30

// memorySettings are the memory run's knobs, from the environment.
type memorySettings struct {
	paths    int    // COFFER_SCALE_MEMORY_PATHS: distinct KV paths (100000)
	versions int    // COFFER_SCALE_MEMORY_VERSIONS: versions written to each (10, KV v2's default max_versions)
	leases   int    // COFFER_SCALE_MEMORY_LEASES: PKI leases issued (100000)
	workers  int    // COFFER_SCALE_WORKERS: concurrent requests (64)
	profile  string // COFFER_SCALE_MEMORY_PROFILE: where to keep the heap profile
	// data (COFFER_SCALE_MEMORY_DATA) is a data dir an earlier run filled
	// (its paths, versions and leases given by the knobs above): the run
	// serves it without writing anything, so a fill cut short can still
	// be measured.
	data string
}

func loadMemorySettings(t *testing.T) memorySettings {
	if os.Getenv("COFFER_SCALE_MEMORY") == "" {
		t.Skip("memory test: set COFFER_SCALE_MEMORY=1 (make bench-memory)")
	}
	s := memorySettings{paths: 100_000, versions: 10, leases: 100_000, workers: 64,
		profile: os.Getenv("COFFER_SCALE_MEMORY_PROFILE"), data: os.Getenv("COFFER_SCALE_MEMORY_DATA")}
	for _, knob := range []struct {
		name string
		to   *int
	}{
		{"COFFER_SCALE_MEMORY_PATHS", &s.paths}, {"COFFER_SCALE_MEMORY_VERSIONS", &s.versions},
		{"COFFER_SCALE_MEMORY_LEASES", &s.leases}, {"COFFER_SCALE_WORKERS", &s.workers},
	} {
		v := os.Getenv(knob.name)
		if v == "" {
			continue
		}
		n, err := parseCount(v)
		if err != nil || n == 0 {
			t.Fatalf("%s=%q: want a count such as 100000 or 100k", knob.name, v)
		}
		*knob.to = int(n)
	}
	if s.versions > 10 {
		// More would prune the oldest (max_versions 10) and the store
		// would not hold paths × versions.
		t.Fatalf("COFFER_SCALE_MEMORY_VERSIONS=%d: at most 10 (KV v2's default max_versions)", s.versions)
	}
	return s
}

// TestMemory is issue 16's memory goal: it builds a data dir holding
// paths × versions KV v2 versions and leases live PKI leases, starts the
// built binary on it, serves a few seconds of reads, and fails if the
// process's peak resident memory (VmHWM) reached 1 GiB. The heap profile
// it prints says what holds the memory.
//
// The leases are PKI certificates of a generate_lease role, signed from
// one CSR: real lease records (with revocation data, expiry and token
// indexes) from a path that needs no external system, and cheap to
// issue (one ECDSA signature each, no key generation). The database
// engine would also need a PostgreSQL server per run, and its leases are
// stored the same way.
func TestMemory(t *testing.T) {
	cfg := loadMemorySettings(t)
	bin, root, data, cost := workspace(t)
	fmt.Println(cost)

	sample := &leaseSample{}
	if cfg.data != "" {
		data = cfg.data
	} else {
		sample = fillMemoryStore(t, cfg, data)
	}
	fmt.Printf("disk: %s NATS store, projections/ %s\n", mib(du(t, filepath.Join(data, "nats"))), mib(du(t, filepath.Join(data, "projections"))))

	servedMemory(t, bin, data, root, cfg, sample)
}

// leaseSample is a few of the issued leases, to look up while serving.
type leaseSample struct {
	mu  sync.Mutex
	ids []string
}

func (s *leaseSample) add(id string) {
	s.mu.Lock()
	s.ids = append(s.ids, id)
	s.mu.Unlock()
}

// fillMemoryStore runs a dev node on data in process and writes through
// its handler: a PKI mount with a generate_lease role and cfg.leases
// certificates signed under it, then cfg.versions versions of each of
// cfg.paths KV v2 paths (path after path, so no two workers write one
// path at once).
func fillMemoryStore(t *testing.T, cfg memorySettings, data string) *leaseSample {
	n, err := node.Start(context.Background(), nodeConfig(data, time.Hour, &logCapture{}))
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	defer n.Close()
	h := handler{n}
	h.must(t, http.MethodPost, "/v1/sys/mounts/pki", []byte(`{"type":"pki","config":{"max_lease_ttl":"87600h"}}`))
	h.must(t, http.MethodPost, "/v1/pki/root/generate/internal", []byte(`{"common_name":"scale root","ttl":"87600h","key_type":"ec"}`))
	h.must(t, http.MethodPost, "/v1/pki/roles/leased",
		[]byte(`{"allow_any_name":true,"key_type":"ec","generate_lease":true,"ttl":"720h","max_ttl":"720h"}`))
	csr, err := json.Marshal(map[string]string{"csr": newCSR(t)})
	if err != nil {
		t.Fatal(err)
	}

	// The leases and the KV versions are written at once: a lease costs
	// more round trips than a KV write, so the two together keep the
	// writer's groups fuller than one after the other.
	sample := &leaseSample{}
	var leaseErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// One lease in a thousand is kept for the lookups while serving.
		leaseErr = run(h, "leases", cfg.leases, cfg.workers, func(int) (string, string, []byte) {
			return http.MethodPost, "/v1/pki/sign/leased", csr
		}, func(i int, body string) error {
			var resp struct {
				LeaseID string `json:"lease_id"`
			}
			if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.LeaseID == "" {
				return fmt.Errorf("sign %d: no lease_id in %.200s", i, body)
			}
			if i%1000 == 0 {
				sample.add(resp.LeaseID)
			}
			return nil
		})
	}()
	kvErr := run(h, "KV versions", cfg.paths*cfg.versions, cfg.workers, func(i int) (string, string, []byte) {
		k := i % cfg.paths
		return http.MethodPut, memoryPath(k), kvBody(k, i)
	}, nil)
	wg.Wait()
	if err := errors.Join(leaseErr, kvErr); err != nil {
		t.Fatal(err)
	}
	return sample
}

func memoryPath(k int) string { return fmt.Sprintf("/v1/secret/data/mem/app-%06d", k) }

// run sends total requests, req(i) for i in [0, total), from workers
// goroutines, stops at the first error answer or check error, and prints
// its progress every 10 s.
func run(h handler, what string, total, workers int,
	req func(i int) (method, path string, body []byte), check func(i int, body string) error) error {
	var (
		next, done atomic.Int64
		failure    atomic.Pointer[string]
		wg         sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for failure.Load() == nil {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				method, path, body := req(i)
				code, out := h.do(method, path, body)
				var err error
				if code >= 300 {
					err = fmt.Errorf("%s %s: %d %s", method, path, code, out)
				} else if check != nil {
					err = check(i, out)
				}
				if err != nil {
					msg := err.Error()
					failure.CompareAndSwap(nil, &msg)
					return
				}
				done.Add(1)
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case <-tick.C:
			fmt.Printf("  %s: %d of %d %s, %.0f/s\n", time.Since(start).Round(time.Second), done.Load(), total, what,
				float64(done.Load())/time.Since(start).Seconds())
		case <-finished:
			waiting = false
		}
	}
	if msg := failure.Load(); msg != nil {
		return fmt.Errorf("writing %s: %s", what, *msg)
	}
	took := time.Since(start)
	fmt.Printf("wrote %d %s in %s: %.0f/s (%d workers, in process)\n", total, what, took.Round(time.Millisecond),
		float64(total)/took.Seconds(), workers)
	return nil
}

// newCSR is a PEM certificate request for a fresh P-256 key.
func newCSR(t *testing.T) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "svc.scale.example"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// servedMemory starts the built binary on data, checks it holds what was
// written, reads from it with 8 clients for 10 s (KV versions, metadata,
// lease lookups), and prints its memory: VmRSS and VmHWM from /proc, the
// Go heap from sys/metrics, and the top of a heap profile.
func servedMemory(t *testing.T, bin, data, root string, cfg memorySettings, sample *leaseSample) {
	start := time.Now()
	s := harness.Start(t, harness.Options{Bin: bin, DataDir: data, Token: rootToken, StartTimeout: 10 * time.Minute})
	took := time.Since(start)
	pid := serverPid(t, data)
	call := caller(s.Addr)
	fmt.Printf("serving binary: up in %s; %s\n", took.Round(time.Millisecond), procMemory(t, pid))

	// What the store holds: the last path's current version, and the
	// active leases as the metrics count them.
	code, body, err := call(http.MethodGet, strings.Replace(memoryPath(cfg.paths-1), "/data/", "/metadata/", 1), nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("read metadata: %d %v %s", code, err, body)
	}
	var meta struct {
		Data struct {
			CurrentVersion int `json:"current_version"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &meta); err != nil || meta.Data.CurrentVersion != cfg.versions {
		t.Fatalf("metadata of the last path: current_version %d, want %d (%v)", meta.Data.CurrentVersion, cfg.versions, err)
	}

	var reads, failed atomic.Uint64
	var wg sync.WaitGroup
	stop := time.Now().Add(10 * time.Second)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(stop); i += 8 {
				k := (i * 7919) % cfg.paths
				method, path, body := http.MethodGet, memoryPath(k), []byte(nil)
				switch i % 4 {
				case 1:
					path += "?version=" + strconv.Itoa(1+i%cfg.versions)
				case 2:
					path = strings.Replace(path, "/data/", "/metadata/", 1)
				case 3:
					if len(sample.ids) > 0 {
						method, path = http.MethodPut, "/v1/sys/leases/lookup"
						body = fmt.Appendf(nil, `{"lease_id":%q}`, sample.ids[i%len(sample.ids)])
					}
				}
				if code, _, err := call(method, path, body); err != nil || code != http.StatusOK {
					failed.Add(1)
					continue
				}
				reads.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Errorf("%d of %d reads failed", failed.Load(), failed.Load()+reads.Load())
	}

	code, body, err = call(http.MethodGet, "/v1/sys/metrics?format=prometheus", nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("sys/metrics: %d %v", code, err)
	}
	p := parseProm(body)
	active := promSample(body, `coffer_leases{state="active"}`)
	mem := procMemory(t, pid)
	fmt.Printf("serving binary holding %d KV versions (%d paths × %d) and %.0f active leases, after %d reads in 10 s (%d failed): %s; Go heap in use %s, allocated %s, Go memory from the OS %s\n",
		cfg.paths*cfg.versions, cfg.paths, cfg.versions, active, reads.Load(), failed.Load(), mem,
		mib(int64(p["go_memstats_heap_inuse_bytes"])), mib(int64(p["go_memstats_heap_alloc_bytes"])), mib(int64(p["go_memstats_sys_bytes"])))
	if int(active) < cfg.leases {
		t.Errorf("coffer_leases{state=\"active\"} = %.0f, want at least %d", active, cfg.leases)
	}
	if mem.hwm >= memoryLimit {
		t.Errorf("peak resident memory %s reached the 1 GiB goal", mib(mem.hwm))
	}

	heapProfile(t, bin, root, cfg.profile, call)
	if err := s.Stop(); err != nil {
		t.Fatalf("stop the server: %v", err)
	}
}

// promSample is the value of one labelled sample, written as the
// exposition writes it (name{labels}), or 0.
func promSample(b []byte, series string) float64 {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return 0
}

// serverPid finds the server process the harness started on data: the one
// whose command line names the data dir (the harness does not say).
func serverPid(t *testing.T, data string) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("list /proc: %v", err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		for _, a := range args {
			if a == "-data-dir="+data && len(args) > 1 && args[1] == "server" {
				return pid
			}
		}
	}
	t.Fatalf("no server process on %s in /proc", data)
	return 0
}

// memStatus is a process's resident memory, now and at its peak.
type memStatus struct{ rss, hwm int64 }

func (m memStatus) String() string { return fmt.Sprintf("VmRSS %s, VmHWM %s", mib(m.rss), mib(m.hwm)) }

// procMemory reads VmRSS and VmHWM from /proc/<pid>/status.
func procMemory(t *testing.T, pid int) memStatus {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read the server's status: %v", err)
	}
	var m memStatus
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("/proc/%d/status %s: %q", pid, name, val)
		}
		if name == "VmRSS" {
			m.rss = kb << 10
		} else {
			m.hwm = kb << 10
		}
	}
	return m
}

// heapProfile fetches sys/pprof/heap (after a GC), keeps it at keep when
// set, and prints its top entries by memory in use (go tool pprof).
func heapProfile(t *testing.T, bin, root, keep string, call func(method, path string, body []byte) (int, []byte, error)) {
	code, prof, err := call(http.MethodGet, "/v1/sys/pprof/heap?gc=true", nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("sys/pprof/heap: %d %v", code, err)
	}
	path := cmp.Or(keep, filepath.Join(root, "heap.pprof"))
	if err := os.WriteFile(path, prof, 0o600); err != nil {
		t.Fatalf("write the heap profile: %v", err)
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-sample_index=inuse_space", "-nodecount=20", bin, path).CombinedOutput()
	if err != nil {
		fmt.Printf("heap profile in %s (go tool pprof: %v)\n", path, err)
		return
	}
	fmt.Printf("heap profile (%s), in use after a GC:\n%s", path, out)
}
