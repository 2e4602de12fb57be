// Command loadgen drives a Coffer server through HashiCorp's Vault Go client
// and reports throughput and exact latency percentiles per scenario.
//
//	go run ./scenarios/loadgen -bin ./bin/coffer            # start a server on a temp dir
//	go run ./scenarios/loadgen -addr http://127.0.0.1:8200 -token root
//
// Each scenario runs -workers goroutines, each with its own client over one
// shared HTTP transport, doing one operation in a loop for -duration:
//
//	kv-write      KV v2 put of a -value-size random value, keys spread over -keys paths
//	kv-read       KV v2 get of keys written before the timed part
//	token-create  token create, policies ["default"], ttl 1h
//	db-issue-revoke  database creds read, then the lease revoked (sync), against
//	              a throw-away PostgreSQL 15 the load generator starts
//
// lease-expiry is not a timed loop: it issues -expiry-leases credentials
// with a TTL of -expiry-ttl and reports, as its latencies, how long after
// each lease's expire_time its role was gone from pg_roles (see
// database.go). Without PostgreSQL installed the database scenarios are
// skipped.
//
// Every latency is kept and percentiles are computed by sorting; failed
// operations count as errors and are left out of the latencies. The timed
// scenarios are bounded: at most (scenarios x rounds x servers x
// (duration + grace)) plus start-up.
//
// Every run prints this machine's fsync cost (package scenarios/fsyncprobe)
// at its start and end, and for Coffer each scenario's commit budget
// (budget.go).
//
// With -bao PATH it also starts OpenBao (raft storage on disk, a file
// audit device) and runs every scenario on both servers in interleaved
// rounds (Coffer, OpenBao, Coffer, OpenBao, ...), so that no ratio
// depends on the day's disk; compare.go prints the ratios.
//
// With -cluster (make bench-cluster) the server is a three-node Coffer
// cluster instead, and the workers are spread over its nodes (cluster.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/internal/testpg"
	"github.com/cofferhq/coffer/scenarios/fsyncprobe"
	"github.com/cofferhq/coffer/scenarios/harness"
)

type config struct {
	bin, addr, token string
	workers          int
	duration         time.Duration
	valueSize        int
	keys             int
	scenarios        []string
	expiryLeases     int
	expiryTTL        time.Duration
	out              string
	bao              string
	before           string
	rounds           int
	cluster          bool
	// statsClient reads sys/ledger/stats of the server being measured
	// (nil for the reference server).
	statsClient *vault.Client
}

func main() {
	var cfg config
	var list string
	flag.StringVar(&cfg.bin, "bin", "", "start this coffer binary on a temporary data dir and a free port, and stop it at the end")
	flag.StringVar(&cfg.addr, "addr", "", "use the server already running at this address (with -token)")
	flag.StringVar(&cfg.token, "token", os.Getenv("VAULT_TOKEN"), "token for -addr (default $VAULT_TOKEN); must be able to write secret/ and create tokens")
	flag.IntVar(&cfg.workers, "workers", 16, "concurrent clients per scenario")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "timed length of each scenario")
	flag.IntVar(&cfg.valueSize, "value-size", 100, "bytes of random value per KV write")
	flag.IntVar(&cfg.keys, "keys", 1000, "distinct KV paths written and read")
	flag.StringVar(&list, "scenarios", "kv-write,kv-write-new,kv-read,token-create,approle-login,userpass-login,transit-encrypt,transit-decrypt,transit-encrypt-batch100,transit-sign-ed25519,db-issue-revoke,pki-issue,lease-expiry", "comma-separated scenarios: "+strings.Join(scenarioNames(), ","))
	flag.StringVar(&cfg.out, "out", "", "also write the results as markdown to this file")
	flag.IntVar(&cfg.expiryLeases, "expiry-leases", 10000, "credentials the lease-expiry scenario issues")
	flag.DurationVar(&cfg.expiryTTL, "expiry-ttl", time.Minute, "TTL of the lease-expiry scenario's credentials")
	flag.StringVar(&cfg.bao, "bao", "", "also start this OpenBao binary (raft storage, file audit device) and compare, rounds interleaved")
	flag.StringVar(&cfg.before, "before", "", "also start this (earlier) coffer binary and compare, rounds interleaved: before/after figures that do not depend on the day's disk")
	flag.BoolVar(&cfg.cluster, "cluster", false, "start a three-node Coffer cluster from -bin instead of one server and spread the workers over its nodes (cluster.go)")
	flag.IntVar(&cfg.rounds, "rounds", 0, "rounds of each scenario per server (default 3 with -bao or -before, else 1)")
	flag.Parse()
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cfg.scenarios = append(cfg.scenarios, s)
		}
	}
	if cfg.rounds == 0 {
		cfg.rounds = 1
		if cfg.bao != "" || cfg.before != "" {
			cfg.rounds = 3
		}
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer closeDatabase()

	coffer := &target{name: "coffer", addr: cfg.addr, token: cfg.token}
	switch {
	case cfg.cluster:
		addrs, token, cleanup, err := startCofferCluster(cfg.bin)
		if err != nil {
			return err
		}
		defer cleanup()
		coffer.addr, coffer.token = addrs, token
	case cfg.bin != "":
		s, cleanup, err := startServer(cfg.bin)
		if err != nil {
			return err
		}
		defer cleanup()
		coffer.addr, coffer.token = s.Addr, s.Token
	}
	targets := []*target{coffer}
	switch {
	case cfg.bao != "" && cfg.cluster:
		addrs, token, cleanup, err := startBaoCluster(ctx, cfg.bao)
		if err != nil {
			return err
		}
		defer cleanup()
		targets = append(targets, &target{name: "openbao", addr: addrs, token: token, reference: true})
	case cfg.bao != "":
		b, cleanup, err := startBao(ctx, cfg.bao)
		if err != nil {
			return err
		}
		defer cleanup()
		targets = append(targets, &target{name: "openbao", addr: b.addr, token: b.token, reference: true})
	}
	if cfg.before != "" {
		s, cleanup, err := startServer(cfg.before)
		if err != nil {
			return err
		}
		defer cleanup()
		targets = append(targets, &target{name: "before", addr: s.Addr, token: s.Token, reference: true})
	}
	for _, t := range targets {
		if err := t.connect(); err != nil {
			return err
		}
	}

	env := environment(cfg, coffer.addr)
	fmt.Print(env.text())
	fsyncStart, err := fsyncprobe.Measure(os.TempDir())
	if err != nil {
		return fmt.Errorf("measuring fsync: %w", err)
	}
	fmt.Println(fsyncStart)
	var results []result
	for _, name := range cfg.scenarios {
		for round := 1; round <= cfg.rounds && ctx.Err() == nil; round++ {
			for _, t := range targets {
				if ctx.Err() != nil {
					break
				}
				fmt.Fprintf(os.Stderr, "running %s on %s (round %d of %d) for %s with %d workers...\n", name, t.name, round, cfg.rounds, cfg.duration, cfg.workers)
				r, err := runScenario(ctx, cfg.forTarget(t), t.addr, name)
				if errors.Is(err, testpg.ErrNoPostgres) {
					fmt.Fprintf(os.Stderr, "skipping %s: %v\n", name, err)
					break
				}
				if err != nil {
					return fmt.Errorf("%s on %s: %w", name, t.name, err)
				}
				r.server = t.name
				results = append(results, r)
				printErrors(os.Stdout, r)
			}
		}
	}
	fsyncEnd, err := fsyncprobe.Measure(os.TempDir())
	if err != nil {
		return fmt.Errorf("measuring fsync: %w", err)
	}
	fmt.Println()
	fmt.Println(fsyncStart, "(start)")
	fmt.Println(fsyncEnd, "(end)")
	if len(targets) > 1 {
		writeComparison(os.Stdout, results, targets)
	} else {
		writeTable(os.Stdout, results)
	}
	writeBudgets(os.Stdout, merged(results, coffer.name))
	if cfg.out != "" {
		f, err := os.Create(cfg.out)
		if err != nil {
			return err
		}
		io.WriteString(f, env.markdown())
		fmt.Fprintf(f, "- %s (start)\n- %s (end)\n\n", fsyncStart, fsyncEnd)
		if len(targets) > 1 {
			writeComparisonMarkdown(f, results, targets)
		} else {
			writeMarkdown(f, results)
		}
		writeBudgetsMarkdown(f, merged(results, coffer.name))
		for _, r := range results {
			printErrors(f, r)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	return nil
}

func (c config) validate() error {
	switch {
	case (c.bin == "") == (c.addr == ""):
		return errors.New("give either -bin (start a server) or -addr and -token (use a running one)")
	case c.addr != "" && c.token == "":
		return errors.New("-addr needs -token (or VAULT_TOKEN)")
	case c.workers < 1 || c.duration <= 0 || c.valueSize < 1 || c.keys < 1:
		return errors.New("-workers, -duration, -value-size and -keys must be positive")
	case len(c.scenarios) == 0:
		return errors.New("no -scenarios")
	case c.rounds < 0:
		return errors.New("-rounds must not be negative")
	case c.bao != "" && c.before != "":
		return errors.New("give -bao or -before, not both")
	case c.cluster && (c.bin == "" || c.before != ""):
		return errors.New("-cluster starts its clusters: it needs -bin (and takes -bao, not -before)")
	}
	for _, s := range c.scenarios {
		sc, ok := scenarios[s]
		if !ok {
			return fmt.Errorf("unknown scenario %q (have %s)", s, strings.Join(scenarioNames(), ", "))
		}
		if c.cluster && sc.run != nil {
			return fmt.Errorf("scenario %q is not a worker loop and does not run on a -cluster", s)
		}
	}
	return nil
}

// startServer starts the binary like the test harness does: a temporary
// data dir, a free loopback port, a random root token, ready when
// /v1/sys/health answers 200.
func startServer(bin string) (*harness.Server, func(), error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "coffer-loadgen-")
	if err != nil {
		return nil, nil, err
	}
	s, err := harness.Launch(harness.Options{Bin: abs, DataDir: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	fmt.Fprintf(os.Stderr, "started %s at %s (data dir %s)\n", abs, s.Addr, dir)
	cleanup := func() {
		if err := s.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "loadgen: stopping server: %v\n%s", err, lastLines(s.Output(), 20))
		}
		os.RemoveAll(dir)
	}
	return s, cleanup, nil
}

type env struct {
	date, machine, goVersion, commit, target, params string
}

func environment(cfg config, target string) env {
	commit := "unknown"
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			commit += " (with uncommitted changes)"
		}
	}
	host, _ := os.Hostname()
	return env{
		date:      time.Now().Format(time.RFC3339),
		machine:   fmt.Sprintf("%d CPUs, %s/%s, host %s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, host),
		goVersion: runtime.Version(),
		commit:    commit,
		target:    target,
		params:    fmt.Sprintf("workers %d, duration %s per scenario, value size %d B, %d keys", cfg.workers, cfg.duration, cfg.valueSize, cfg.keys),
	}
}

func (e env) text() string {
	return fmt.Sprintf("date:    %s\nmachine: %s\ngo:      %s\ncommit:  %s\nserver:  %s\nload:    %s\n",
		e.date, e.machine, e.goVersion, e.commit, e.target, e.params)
}

func (e env) markdown() string {
	return fmt.Sprintf("# Coffer load test\n\n- date: %s\n- machine: %s\n- go: %s\n- commit: %s\n- server: %s\n- load: %s\n\n",
		e.date, e.machine, e.goVersion, e.commit, e.target, e.params)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}
