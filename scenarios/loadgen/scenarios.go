package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
)

const (
	kvMount = "secret"
	// grace is how long an operation still in flight at the end of the
	// timed part may take before it is cancelled (and counted as an error).
	grace = 10 * time.Second
)

// worker is one goroutine's client and state.
type worker struct {
	id     int
	client *vault.Client
	rng    *rand.Rand
	cfg    config
	// state is what a scenario's setup leaves for its operation.
	state any
	seq   int
}

// scenario is an optional untimed setup, which reports its failures to
// fail, and the timed operation; or, for a scenario that is not a timed
// loop (lease-expiry), its own run.
type scenario struct {
	setup func(ctx context.Context, w *worker, fail func(error))
	op    func(ctx context.Context, w *worker) error
	run   func(ctx context.Context, cfg config, addr string) (result, error)
}

var scenarios = map[string]scenario{
	"kv-write": {op: func(ctx context.Context, w *worker) error {
		_, err := w.client.KVv2(kvMount).Put(ctx, w.key("write"), map[string]any{"value": w.value()})
		return err
	}},
	// kv-write-new writes version 1 of a fresh path each time: the write
	// path without max_versions pruning (kv-write overwrites 1,000 paths,
	// so after ten versions each write also erases the oldest version's
	// data key).
	"kv-write-new": {op: func(ctx context.Context, w *worker) error {
		w.seq++
		_, err := w.client.KVv2(kvMount).Put(ctx, fmt.Sprintf("loadgen/new/%d/%d", w.id, w.seq), map[string]any{"value": w.value()})
		return err
	}},
	"kv-read": {
		// Each worker writes its share of the keys before the clock starts.
		setup: func(ctx context.Context, w *worker, fail func(error)) {
			for k := w.id; k < w.cfg.keys && ctx.Err() == nil; k += w.cfg.workers {
				path := fmt.Sprintf("loadgen/read/%d", k)
				if _, err := w.client.KVv2(kvMount).Put(ctx, path, map[string]any{"value": w.value()}); err != nil {
					fail(err)
				}
			}
		},
		op: func(ctx context.Context, w *worker) error {
			s, err := w.client.KVv2(kvMount).Get(ctx, w.key("read"))
			if err != nil {
				return err
			}
			if v, _ := s.Data["value"].(string); len(v) != w.cfg.valueSize {
				return fmt.Errorf("read returned a value of %d bytes, want %d", len(v), w.cfg.valueSize)
			}
			return nil
		},
	},
	"token-create": {op: func(ctx context.Context, w *worker) error {
		s, err := w.client.Auth().Token().CreateWithContext(ctx, &vault.TokenCreateRequest{
			Policies: []string{"default"},
			TTL:      "1h",
		})
		if err != nil {
			return err
		}
		if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
			return errors.New("token create returned no auth.client_token")
		}
		return nil
	}},
}

func scenarioNames() []string {
	var names []string
	for n := range scenarios {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// key picks one of cfg.keys paths under loadgen/<kind>/.
func (w *worker) key(kind string) string {
	return fmt.Sprintf("loadgen/%s/%d", kind, w.rng.IntN(w.cfg.keys))
}

const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// value is a fresh random value of cfg.valueSize bytes.
func (w *worker) value() string {
	b := make([]byte, w.cfg.valueSize)
	for i := range b {
		b[i] = alphabet[w.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// runScenario runs setup (untimed) and then the operation on every worker
// until cfg.duration has passed.
func runScenario(ctx context.Context, cfg config, addr, name string) (result, error) {
	sc := scenarios[name]
	if sc.run != nil {
		before := cfg.ledgerStats(ctx)
		r, err := sc.run(ctx, cfg, addr)
		if r.budget == nil {
			r.budget = cfg.budgetSince(ctx, before, r.ops()+r.errors)
		}
		return r, err
	}
	return runLoop(ctx, cfg, addr, name, sc)
}

// ledgerStats reads Coffer's writer counters, or nil when this server has
// none (the reference) or they cannot be read.
func (c config) ledgerStats(ctx context.Context) ledgerStats {
	if c.statsClient == nil {
		return nil
	}
	st, err := fetchLedgerStats(ctx, c.statsClient)
	if err != nil {
		fmt.Fprintf(os.Stderr, "warning: no commit budget: %v\n", err)
		return nil
	}
	return st
}

func (c config) budgetSince(ctx context.Context, before ledgerStats, requests int) *budget {
	if before == nil {
		return nil
	}
	after := c.ledgerStats(ctx)
	if after == nil {
		return nil
	}
	return newBudget(before, after, requests)
}

// runLoop is runScenario for a setup-and-operation scenario.
func runLoop(ctx context.Context, cfg config, addr, name string, sc scenario) (result, error) {
	workers, tr, err := newWorkers(cfg, addr)
	if err != nil {
		return result{}, err
	}
	defer tr.CloseIdleConnections()
	r := result{name: name}
	var mu sync.Mutex // guards r's errors
	if sc.setup != nil {
		// Failures here are reported but do not stop the run: the timed
		// part then shows what they cost.
		var setupErrs result
		setupCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		each(workers, func(w *worker) {
			sc.setup(setupCtx, w, func(err error) {
				mu.Lock()
				setupErrs.addError(describe(err))
				mu.Unlock()
			})
		})
		cancel()
		if setupErrs.errors > 0 {
			fmt.Fprintf(os.Stderr, "warning: %s setup: %d errors; first distinct: %s\n",
				name, setupErrs.errors, strings.Join(setupErrs.firstErrors, " | "))
		}
	}

	before := cfg.ledgerStats(ctx)
	start := time.Now()
	end := start.Add(cfg.duration)
	opCtx, cancel := context.WithDeadline(ctx, end.Add(grace))
	defer cancel()
	samples := make([][]time.Duration, len(workers))
	each(workers, func(w *worker) {
		var lat []time.Duration
		for time.Now().Before(end) && opCtx.Err() == nil {
			t0 := time.Now()
			err := sc.op(opCtx, w)
			d := time.Since(t0)
			if err != nil {
				if ctx.Err() != nil {
					break // interrupted: not the server's fault
				}
				mu.Lock()
				r.addError(describe(err))
				mu.Unlock()
				continue
			}
			lat = append(lat, d)
		}
		samples[w.id] = lat
	})
	r.elapsed = time.Since(start)
	for _, s := range samples {
		r.latencies = append(r.latencies, s...)
	}
	slices.Sort(r.latencies)
	r.budget = cfg.budgetSince(ctx, before, r.ops()+r.errors)
	return r, nil
}

// newWorkers gives each worker its own Vault client over one shared
// transport that keeps an idle connection per worker. addr may list a
// cluster's nodes, comma-separated: worker i talks to node i mod n.
func newWorkers(cfg config, addr string) ([]*worker, *http.Transport, error) {
	nodes := strings.Split(addr, ",")
	base := vault.DefaultConfig()
	if base.Error != nil {
		return nil, nil, base.Error
	}
	tr := base.HttpClient.Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = cfg.workers
	tr.MaxIdleConns = max(tr.MaxIdleConns, cfg.workers)
	seed := uint64(time.Now().UnixNano())
	workers := make([]*worker, cfg.workers)
	for i := range workers {
		vc := vault.DefaultConfig()
		vc.Address = nodes[i%len(nodes)]
		vc.MaxRetries = 0 // a retried request would hide an error and skew latency
		vc.Timeout = 30 * time.Second
		vc.HttpClient = &http.Client{Transport: tr, CheckRedirect: base.HttpClient.CheckRedirect}
		c, err := vault.NewClient(vc)
		if err != nil {
			return nil, nil, err
		}
		c.SetToken(cfg.token)
		c.ClearNamespace()
		workers[i] = &worker{id: i, client: c, rng: rand.New(rand.NewPCG(seed, uint64(i))), cfg: cfg}
	}
	return workers, tr, nil
}

// each runs fn on every worker concurrently and waits for all of them.
func each(workers []*worker, fn func(*worker)) {
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { fn(w) })
	}
	wg.Wait()
}

// describe turns an error into a message without the request path, so the
// same failure on different keys counts as one distinct error.
func describe(err error) string {
	var re *vault.ResponseError
	var ue *url.Error
	switch {
	case errors.As(err, &re):
		return fmt.Sprintf("HTTP %d %s: %s", re.StatusCode, re.HTTPMethod, strings.Join(re.Errors, "; "))
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time (context deadline exceeded)"
	case errors.Is(err, vault.ErrSecretNotFound):
		return "secret not found"
	case errors.As(err, &ue):
		return ue.Op + ": " + ue.Err.Error()
	default:
		return err.Error()
	}
}
