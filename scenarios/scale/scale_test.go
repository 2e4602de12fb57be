package scale

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cofferhq/coffer/node"
	projsnap "github.com/cofferhq/coffer/projections/snapshot"
	"github.com/cofferhq/coffer/scenarios/fsyncprobe"
	"github.com/cofferhq/coffer/scenarios/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

const rootToken = "root"

// settings are the run's knobs, from the environment (a test has no flags
// of its own that `go test ./...` would not also see).
type settings struct {
	events   uint64        // COFFER_SCALE_EVENTS: events to generate (1M, 10M, 250k, 3000000)
	workers  int           // COFFER_SCALE_WORKERS: concurrent requests (64)
	keys     int           // COFFER_SCALE_KEYS: distinct KV paths (10000)
	snapshot time.Duration // COFFER_SCALE_SNAPSHOT_INTERVAL: projection snapshot interval (30s)
}

func loadSettings(t *testing.T) settings {
	raw := os.Getenv("COFFER_SCALE_EVENTS")
	if raw == "" {
		t.Skip("scale test: set COFFER_SCALE_EVENTS (make bench-scale)")
	}
	s := settings{workers: 64, keys: 10_000, snapshot: 30 * time.Second}
	n, err := parseCount(raw)
	if err != nil || n == 0 {
		t.Fatalf("COFFER_SCALE_EVENTS=%q: want a count such as 1000000, 1M or 250k", raw)
	}
	s.events = n
	if v := os.Getenv("COFFER_SCALE_WORKERS"); v != "" {
		if s.workers, err = strconv.Atoi(v); err != nil || s.workers < 1 {
			t.Fatalf("COFFER_SCALE_WORKERS=%q", v)
		}
	}
	if v := os.Getenv("COFFER_SCALE_KEYS"); v != "" {
		if s.keys, err = strconv.Atoi(v); err != nil || s.keys < 1 {
			t.Fatalf("COFFER_SCALE_KEYS=%q", v)
		}
	}
	if v := os.Getenv("COFFER_SCALE_SNAPSHOT_INTERVAL"); v != "" {
		if s.snapshot, err = time.ParseDuration(v); err != nil || s.snapshot <= 0 {
			t.Fatalf("COFFER_SCALE_SNAPSHOT_INTERVAL=%q", v)
		}
	}
	return s
}

// parseCount reads 1000000, 1M or 250k.
func parseCount(s string) (uint64, error) {
	mult := uint64(1)
	switch {
	case strings.HasSuffix(s, "M"):
		mult, s = 1_000_000, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "k"):
		mult, s = 1_000, strings.TrimSuffix(s, "k")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n * mult, err
}

// TestScale grows the ledger and measures it; every figure goes to stdout
// (t.Logf would hold them until the end).
func TestScale(t *testing.T) {
	cfg := loadSettings(t)
	bin, root, data, cost := workspace(t)
	fmt.Println(cost, "(start)")

	gen := generate(t, cfg, data)
	fmt.Printf("generated: %d events in %d messages (ledger index %d), %d requests, in %s: %.0f events/s, %.0f requests/s (%d workers, in process)\n",
		gen.events, gen.messages, gen.lastSeq, gen.requests, gen.took.Round(time.Millisecond),
		float64(gen.events)/gen.took.Seconds(), float64(gen.requests)/gen.took.Seconds(), cfg.workers)
	fmt.Printf("snapshots taken while generating: %d, the last at index %d, %s sealed\n", gen.snapshots, gen.snapshotIndex, mib(gen.snapshotSize))

	reportDisk(t, data, gen.events)

	fromSnapshot(t, cfg, data, gen)
	fullReplay(t, data, gen)
	serving(t, bin, data, cfg)
	verify(t, bin, data)

	end := measureFsync(t, root)
	fmt.Println(cost, "(start)")
	fmt.Println(end, "(end)")
}

// generated is what generate wrote.
type generated struct {
	events, messages, lastSeq, requests uint64
	snapshots                           int
	snapshotIndex                       uint64
	snapshotSize                        int64
	took                                time.Duration
}

// nodeConfig is a dev node on data with snapshots every interval (checked
// each second) and checkpoints every second, logging to capture.
func nodeConfig(data string, interval time.Duration, capture *logCapture) node.Config {
	return node.Config{
		DataDir: data, ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: rootToken,
		CheckpointInterval: time.Second,
		Snapshots:          node.Snapshots{Policy: projsnap.Policy{Interval: interval, Check: time.Second}},
		Log:                slog.New(capture),
	}
}

// generate runs a dev node on data and sends it a mix of audited requests
// until its ledger writer has stored cfg.events events: per five requests
// two KV writes, one token creation and two KV reads.
func generate(t *testing.T, cfg settings, data string) generated {
	capture := &logCapture{}
	n, err := node.Start(context.Background(), nodeConfig(data, cfg.snapshot, capture))
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	defer n.Close()
	h := handler{n}
	base := h.metrics(t)
	fmt.Printf("generating %d events with %d workers...\n", cfg.events, cfg.workers)

	var (
		requests atomic.Uint64
		done     atomic.Bool
		failure  atomic.Pointer[string]
		wg       sync.WaitGroup
	)
	start := time.Now()
	for w := range cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; !done.Load(); i += cfg.workers {
				method, path, body := request(i, cfg.keys)
				// A read before its key's first write is a 404, audited
				// like any other read.
				if code, out := h.do(method, path, body); code >= 300 && !(method == http.MethodGet && code == http.StatusNotFound) {
					msg := fmt.Sprintf("%s %s: %d %s", method, path, code, out)
					failure.CompareAndSwap(nil, &msg)
					done.Store(true)
					return
				}
				requests.Add(1)
			}
		}()
	}
	lastReport := start
	for !done.Load() {
		time.Sleep(200 * time.Millisecond)
		m := h.metrics(t)
		if m.events-base.events >= cfg.events {
			done.Store(true)
		}
		if time.Since(lastReport) >= 10*time.Second {
			lastReport = time.Now()
			fmt.Printf("  %s: %d events, %.0f events/s\n", time.Since(start).Round(time.Second), m.events-base.events,
				float64(m.events-base.events)/time.Since(start).Seconds())
		}
	}
	wg.Wait()
	took := time.Since(start)
	if msg := failure.Load(); msg != nil {
		t.Fatalf("generation: %s", *msg)
	}
	// The checkpointer signs every second: wait until the last checkpoint
	// covers the whole ledger, and for a snapshot if none was taken yet.
	time.Sleep(3 * time.Second)
	for deadline := time.Now().Add(cfg.snapshot + time.Minute); capture.count(msgSnapshotTaken) == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no projection snapshot taken within %s of the end", cfg.snapshot+time.Minute)
		}
		time.Sleep(time.Second)
	}
	m := h.metrics(t)
	last, _ := capture.last(msgSnapshotTaken)
	index, _ := last["index"].(uint64)
	size, _ := last["size"].(int64)
	return generated{
		events: m.events, messages: m.messages, lastSeq: m.lastSeq, requests: requests.Load(),
		snapshots: capture.count(msgSnapshotTaken), snapshotIndex: index, snapshotSize: size, took: took,
	}
}

// request is the i-th request of the mix.
func request(i, keys int) (method, path string, body []byte) {
	k := (i * 7919) % keys // spread over the keys
	switch i % 5 {
	case 0, 1:
		return http.MethodPut, kvPath(k), kvBody(k, i)
	case 2:
		return http.MethodPost, "/v1/auth/token/create", []byte(`{"ttl":"768h","policies":["default"],"meta":{"app":"scale"}}`)
	default:
		return http.MethodGet, kvPath(k), nil
	}
}

func kvPath(k int) string { return fmt.Sprintf("/v1/secret/data/scale/app-%05d", k) }

// kvBody is a secret of about 100 bytes, different each write.
func kvBody(k, i int) []byte {
	return fmt.Appendf(nil, `{"data":{"username":"svc-%05d","password":"%032x-%08d-scale-test-secret-value"}}`, k, uint64(k)*0x9e3779b97f4a7c15, i)
}

// handler sends requests to a node in process.
type handler struct{ n *node.Node }

// do answers the status and the body.
func (h handler) do(method, path string, body []byte) (int, string) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("X-Vault-Token", rootToken)
	rec := httptest.NewRecorder()
	h.n.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func (h handler) must(t *testing.T, method, path string, body []byte) {
	t.Helper()
	if code, out := h.do(method, path, body); code >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, code, out)
	}
}

// ledgerMetrics are the node's ledger counters (sys/metrics).
type ledgerMetrics struct{ events, messages, lastSeq uint64 }

func (h handler) metrics(t *testing.T) ledgerMetrics {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/v1/sys/metrics?format=prometheus", nil)
	req.Header.Set("X-Vault-Token", rootToken)
	rec := httptest.NewRecorder()
	h.n.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("sys/metrics: %d %s", rec.Code, rec.Body.String())
	}
	p := parseProm(rec.Body.Bytes())
	return ledgerMetrics{
		events: uint64(p["coffer_ledger_events_total"]), messages: uint64(p["coffer_ledger_messages_total"]),
		lastSeq: uint64(p["coffer_ledger_last_sequence"]),
	}
}

// parseProm reads the unlabelled samples of a Prometheus text exposition.
func parseProm(b []byte) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			out[name] = v
		}
	}
	return out
}

// reportDisk prints the NATS store's size per event, whole and per stream
// (the ledger, the projection snapshots' object store, the rest).
func reportDisk(t *testing.T, data string, events uint64) {
	store := filepath.Join(data, "nats")
	total := du(t, store)
	fmt.Printf("disk: %s NATS store (du), %.0f bytes per event; projections/ %s\n",
		mib(total), float64(total)/float64(events), mib(du(t, filepath.Join(data, "projections"))))
	streams, _ := filepath.Glob(filepath.Join(store, "jetstream", "*", "streams", "*"))
	for _, s := range streams {
		size := du(t, s)
		if size < 1<<20 {
			continue
		}
		fmt.Printf("  stream %s: %s, %.0f bytes per event\n", filepath.Base(s), mib(size), float64(size)/float64(events))
	}
}

// du is the disk space the files under dir take (allocated blocks, as du).
func du(t *testing.T, dir string) int64 {
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		}
		return nil
	})
	if err != nil {
		t.Fatalf("du %s: %v", dir, err)
	}
	return total
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// fromSnapshot deletes projections/ and times a node's start until it
// serves: it restores the latest snapshot and replays the tail after it.
func fromSnapshot(t *testing.T, cfg settings, data string, gen generated) {
	removeProjections(t, data)
	capture := &logCapture{}
	start := time.Now()
	n, err := node.Start(context.Background(), nodeConfig(data, cfg.snapshot, capture))
	took := time.Since(start)
	if err != nil {
		t.Fatalf("start from a snapshot: %v", err)
	}
	defer n.Close()
	handler{n}.must(t, http.MethodGet, kvPath(0), nil)
	rec, ok := capture.first(msgRestored)
	if !ok {
		t.Fatalf("the node did not restore a snapshot (log: %s)", capture.messages())
	}
	index, _ := rec["index"].(uint64)
	fmt.Printf("serving from the latest snapshot after deleting projections/: %s (snapshot at index %d, restore %v, then a tail of %d of %d messages)\n",
		took.Round(time.Millisecond), index, rec["took"], gen.lastSeq-min(index, gen.lastSeq), gen.lastSeq)
}

// fullReplay deletes projections/ and times a node without snapshots until
// it serves: it replays the whole ledger.
func fullReplay(t *testing.T, data string, gen generated) {
	removeProjections(t, data)
	conf := nodeConfig(data, time.Hour, &logCapture{})
	conf.Snapshots = node.Snapshots{Disabled: true}
	start := time.Now()
	n, err := node.Start(context.Background(), conf)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("start with a full replay: %v", err)
	}
	defer n.Close()
	handler{n}.must(t, http.MethodGet, kvPath(0), nil)
	fmt.Printf("serving after a full replay (projections/ deleted, snapshots off): %s, %.0f events/s, %.0f messages/s\n",
		took.Round(time.Millisecond), float64(gen.events)/took.Seconds(), float64(gen.lastSeq)/took.Seconds())
}

func removeProjections(t *testing.T, data string) {
	if err := os.RemoveAll(filepath.Join(data, "projections")); err != nil {
		t.Fatalf("remove projections: %v", err)
	}
}

// serving starts the built binary on the data dir (projections present),
// reads from it with 16 clients for 10 s and prints its memory.
func serving(t *testing.T, bin, data string, cfg settings) {
	start := time.Now()
	s := harness.Start(t, harness.Options{Bin: bin, DataDir: data, Token: rootToken, StartTimeout: 5 * time.Minute})
	took := time.Since(start)
	call := caller(s.Addr)
	get := func(path string) (int, []byte, error) { return call(http.MethodGet, path, nil) }
	var reads, failed atomic.Uint64
	var wg sync.WaitGroup
	stop := time.Now().Add(10 * time.Second)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(stop); i += 16 {
				path, missing := kvPath((i*7919)%cfg.keys), http.StatusNotFound
				if i%4 == 3 {
					path, missing = "/v1/auth/token/lookup-self", 0
				}
				// A key the generation never wrote is a served 404.
				if code, _, err := get(path); err != nil || (code != http.StatusOK && code != missing) {
					failed.Add(1)
					continue
				}
				reads.Add(1)
			}
		}()
	}
	wg.Wait()
	code, body, err := get("/v1/sys/metrics?format=prometheus")
	if err != nil || code != http.StatusOK {
		t.Fatalf("sys/metrics: %d %v", code, err)
	}
	p := parseProm(body)
	fmt.Printf("serving node (the binary, projections present): up in %s; after %d reads over HTTP in 10 s (%d failed): RSS %s, Go heap in use %s, Go heap allocated %s, Go memory from the OS %s\n",
		took.Round(time.Millisecond), reads.Load(), failed.Load(),
		mib(int64(p["process_resident_memory_bytes"])), mib(int64(p["go_memstats_heap_inuse_bytes"])),
		mib(int64(p["go_memstats_heap_alloc_bytes"])), mib(int64(p["go_memstats_sys_bytes"])))
	if err := s.Stop(); err != nil {
		t.Fatalf("stop the server: %v", err)
	}
}

// caller sends requests to the server at addr with the root token and
// answers the status and the body.
func caller(addr string) func(method, path string, body []byte) (int, []byte, error) {
	c := &http.Client{Timeout: time.Minute}
	return func(method, path string, body []byte) (int, []byte, error) {
		req, err := http.NewRequest(method, addr+path, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("X-Vault-Token", rootToken)
		resp, err := c.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
}

// verify runs `coffer ledger verify -data-dir` on the stopped node's data
// dir and prints its throughput.
func verify(t *testing.T, bin, data string) {
	start := time.Now()
	cmd := exec.Command(bin, "ledger", "verify", "-data-dir", data, "-format", "json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("coffer ledger verify: %v\n%s\n%s", err, out, stderr.String())
	}
	var rep struct {
		OK          bool  `json:"ok"`
		Messages    int64 `json:"messages"`
		Checkpoints int   `json:"checkpoints"`
		Covered     int64 `json:"covered"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("coffer ledger verify output: %v\n%s", err, out)
	}
	if !rep.OK {
		t.Fatalf("coffer ledger verify: not OK\n%s", out)
	}
	fmt.Printf("coffer ledger verify -data-dir: OK, %d messages (%d covered by the latest of %d checkpoints) in %s: %.0f messages/s\n",
		rep.Messages, rep.Covered, rep.Checkpoints, took.Round(time.Millisecond), float64(rep.Messages)/took.Seconds())
}

// Log messages the test waits for (projections/snapshot, node).
const (
	msgSnapshotTaken = "projections snapshot taken"
	msgRestored      = "projections restored from a snapshot; replaying the tail"
)

// logCapture is a slog.Handler keeping the node's info records (their
// messages and attributes), so the test sees when a snapshot was taken or
// restored.
type logCapture struct {
	mu      sync.Mutex
	records []capturedRecord
}

type capturedRecord struct {
	msg   string
	attrs map[string]any
}

func (c *logCapture) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (c *logCapture) Handle(_ context.Context, r slog.Record) error {
	rec := capturedRecord{msg: r.Message, attrs: map[string]any{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.Any()
		return true
	})
	c.mu.Lock()
	c.records = append(c.records, rec)
	c.mu.Unlock()
	return nil
}

func (c *logCapture) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *logCapture) WithGroup(string) slog.Handler      { return c }

func (c *logCapture) count(msg string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, r := range c.records {
		if r.msg == msg {
			n++
		}
	}
	return n
}

func (c *logCapture) first(msg string) (map[string]any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.records {
		if r.msg == msg {
			return r.attrs, true
		}
	}
	return nil, false
}

func (c *logCapture) last(msg string) (map[string]any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.records) - 1; i >= 0; i-- {
		if c.records[i].msg == msg {
			return c.records[i].attrs, true
		}
	}
	return nil, false
}

func (c *logCapture) messages() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, r := range c.records {
		fmt.Fprintf(&b, "%s %v; ", r.msg, r.attrs)
	}
	return b.String()
}

// workspace returns the built binary, a scratch directory, the data dir
// inside it, and the fsync cost of the file system they are on.
func workspace(t *testing.T) (bin, root, data string, cost fsyncprobe.Cost) {
	t.Helper()
	bin, root = harness.Binary(t), t.TempDir()
	return bin, root, filepath.Join(root, "data"), measureFsync(t, root)
}

func measureFsync(t *testing.T, dir string) fsyncprobe.Cost {
	t.Helper()
	cost, err := fsyncprobe.Measure(dir)
	if err != nil {
		t.Fatalf("measuring fsync: %v", err)
	}
	return cost
}
