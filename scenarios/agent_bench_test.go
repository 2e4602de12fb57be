package scenarios_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// procStat returns a process's CPU time (user+system) and its resident
// set size: all of it, and its anonymous (private) part without the
// binary's mapped file pages, from /proc.
func procStat(pid int) (cpu time.Duration, rss, anon int64, err error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	f := strings.Fields(string(stat)[strings.LastIndexByte(string(stat), ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	cpu = time.Duration(ut+st) * time.Second / 100 // USER_HZ
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fs[1], 10, 64)
		switch fs[0] {
		case "VmRSS:":
			rss = kb << 10
		case "RssAnon:":
			anon = kb << 10
		}
	}
	return cpu, rss, anon, nil
}

// BenchmarkAgent100Templates: one agent, 100 KV templates. Each iteration
// writes a new value to all 100 secrets (16 writers) and measures until
// every file holds it: worst-ms from the first write, worst-lag-ms from
// the last write's answer. After the iterations it reports the agent's CPU
// time over 10 idle seconds and its resident memory.
//
//	go test ./scenarios -run '^$' -bench BenchmarkAgent100Templates -benchtime 5x
//
// With COFFER_AGENT_BIN set to a binary holding only the agent command,
// the agent's footprint is measured without the server linked in.
func BenchmarkAgent100Templates(b *testing.B) {
	const n = 100
	s := harness.Start(b, harness.Options{})
	root := s.Client(b)
	kv := root.KVv2("secret")
	ctx := context.Background()
	put := func(round int) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for i := 0; i < n; i++ {
			wg.Add(1)
			sem <- struct{}{}
			go func(i int) {
				defer func() { <-sem; wg.Done() }()
				if _, err := kv.Put(ctx, fmt.Sprintf("myapp/s%03d", i), map[string]any{"v": strconv.Itoa(round)}); err != nil {
					b.Error(err)
				}
			}(i)
		}
		wg.Wait()
	}
	put(0)
	dir := b.TempDir()
	require := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	require(root.Sys().PutPolicy("myapp-policy", tutorialPolicy))
	tok, err := root.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"myapp-policy"}, TTL: "24h"})
	require(err)
	require(os.WriteFile(filepath.Join(dir, "token"), []byte(tok.Auth.ClientToken), 0o600))
	var templates strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&templates, "template {\n  destination = \"{{DIR}}/out/s%03d\"\n  contents = \"{{ with secret \\\"secret/myapp/s%03d\\\" }}{{ .Data.data.v }}{{ end }}\"\n}\n", i, i)
	}
	a := startAgent(b, s, dir, tokenFileConfig(s.Addr, templates.String()))
	defer a.stop()
	allAre := func(want string, within time.Duration) time.Duration {
		start := time.Now()
		for i := 0; i < n; {
			if b, err := os.ReadFile(filepath.Join(dir, "out", fmt.Sprintf("s%03d", i))); err == nil && string(b) == want {
				i++
				continue
			}
			if time.Since(start) > within {
				b.Fatalf("template %d not %q within %s:\n%s", i, want, within, a.out.String())
			}
			time.Sleep(2 * time.Millisecond)
		}
		return time.Since(start)
	}
	allAre("0", time.Minute)
	var worst, worstLag time.Duration
	b.ResetTimer()
	for it := 1; it <= b.N; it++ {
		start := time.Now()
		put(it)
		written := time.Now()
		allAre(strconv.Itoa(it), 30*time.Second)
		worst = max(worst, time.Since(start))
		worstLag = max(worstLag, time.Since(written))
	}
	b.StopTimer()
	pid := a.cmd.Process.Pid
	cpu0, _, _, err := procStat(pid)
	require(err)
	time.Sleep(10 * time.Second) // measuring idleness: nothing to poll for
	cpu1, rss, anon, err := procStat(pid)
	require(err)
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms/100-changes")
	b.ReportMetric(float64(worstLag.Milliseconds()), "worst-lag-ms")
	b.ReportMetric(float64((cpu1 - cpu0).Milliseconds()), "idle-cpu-ms/10s")
	b.ReportMetric(float64(rss)/(1<<20), "rss-MiB")
	b.ReportMetric(float64(anon)/(1<<20), "rss-anon-MiB")
}
