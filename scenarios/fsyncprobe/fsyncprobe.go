package fsyncprobe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Cost is what this machine's disk charges for durability, measured in
// the file system the servers' data dirs are on: a benchmark's figures
// depend on it (Coffer fsyncs every ledger commit, OpenBao its raft log),
// and it differs threefold between machines of the same kind, so every
// figure is printed beside it.
type Cost struct {
	// file: a 4 KiB append followed by fsync, one after the other.
	fileP50, fileP99 time.Duration
	// publish: one JetStream publish of 512 bytes to an R1 file stream
	// with SyncAlways, one producer: the cost of one ledger commit with
	// nothing batched.
	publishP50, publishP99 time.Duration
	n                      int
}

const fsyncSamples = 300

// Measure takes fsyncSamples of each cost in dir (a directory on the file
// system being benchmarked).
func Measure(dir string) (Cost, error) {
	c := Cost{n: fsyncSamples}
	f, err := os.CreateTemp(dir, "fsync-probe-")
	if err != nil {
		return c, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	var file []time.Duration
	for range fsyncSamples {
		t0 := time.Now()
		if _, err := f.Write(buf); err != nil {
			return c, err
		}
		if err := f.Sync(); err != nil {
			return c, err
		}
		file = append(file, time.Since(t0))
	}
	slices.Sort(file)
	c.fileP50, c.fileP99 = percentile(file, 50), percentile(file, 99)
	pub, err := publishCost(dir)
	if err != nil {
		return c, err
	}
	c.publishP50, c.publishP99 = percentile(pub, 50), percentile(pub, 99)
	return c, nil
}

func publishCost(dir string) ([]time.Duration, error) {
	store, err := os.MkdirTemp(dir, "fsync-probe-nats-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(store)
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: filepath.Join(store, "nats"), SyncAlways: true, DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		return nil, err
	}
	go ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		return nil, fmt.Errorf("fsync probe: nats not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "PROBE", Subjects: []string{"probe"}, Storage: jetstream.FileStorage}); err != nil {
		return nil, err
	}
	payload := make([]byte, 512)
	var out []time.Duration
	for range fsyncSamples {
		t0 := time.Now()
		if _, err := js.Publish(ctx, "probe", payload); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t0))
	}
	slices.Sort(out)
	return out, nil
}

func (c Cost) String() string {
	return fmt.Sprintf("fsync: 4 KiB append+fsync p50 %s p99 %s; JetStream R1 SyncAlways publish (1 producer, 512 B) p50 %s p99 %s (%d samples each)",
		us(c.fileP50), us(c.fileP99), us(c.publishP50), us(c.publishP99), c.n)
}

func us(d time.Duration) string { return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond)) }

// percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (len(sorted)*int(p*100) + 9999) / 10000
	return sorted[min(max(rank, 1), len(sorted))-1]
}
