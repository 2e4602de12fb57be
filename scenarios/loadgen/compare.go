package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	vault "github.com/hashicorp/vault/api"
)

// target is one server under load.
type target struct {
	name, addr, token string
	reference         bool
	admin             *vault.Client
}

func (t *target) connect() error {
	vc := vault.DefaultConfig()
	vc.Address, _, _ = strings.Cut(t.addr, ",") // a cluster's first node
	vc.MaxRetries = 0
	vc.Timeout = 30 * time.Second
	c, err := vault.NewClient(vc)
	if err != nil {
		return err
	}
	c.SetToken(t.token)
	c.ClearNamespace()
	t.admin = c
	return nil
}

// forTarget is cfg for runs against t: its token, and its ledger counters
// unless it is the reference.
func (c config) forTarget(t *target) config {
	c.token = t.token
	c.statsClient = nil
	// A cluster's counters are per node: one node's would mislead.
	if !t.reference && !c.cluster {
		c.statsClient = t.admin
	}
	return c
}

// merged folds the rounds of each scenario on one server into one
// result: all latencies, total operations over total time, budgets
// summed by request.
func merged(results []result, server string) []result {
	var out []result
	index := map[string]int{}
	for _, r := range results {
		if r.server != server {
			continue
		}
		i, ok := index[r.name]
		if !ok {
			index[r.name] = len(out)
			cp := r
			cp.latencies = append([]time.Duration(nil), r.latencies...)
			if r.budget != nil {
				b := *r.budget
				cp.budget = &b
			}
			out = append(out, cp)
			continue
		}
		m := &out[i]
		m.errors += r.errors
		m.elapsed += r.elapsed
		m.latencies = append(m.latencies, r.latencies...)
		for _, e := range r.firstErrors {
			if len(m.firstErrors) < keepErrors && !slices.Contains(m.firstErrors, e) {
				m.firstErrors = append(m.firstErrors, e)
			}
		}
		m.budget = addBudget(m.budget, r.budget)
	}
	for i := range out {
		slices.Sort(out[i].latencies)
	}
	return out
}

// addBudget averages two budgets weighted by their requests.
func addBudget(a, b *budget) *budget {
	if a == nil || b == nil {
		return nil
	}
	n := float64(a.requests + b.requests)
	if n == 0 {
		return a
	}
	wa, wb := float64(a.requests)/n, float64(b.requests)/n
	return &budget{
		requests:        a.requests + b.requests,
		commitsPerReq:   a.commitsPerReq*wa + b.commitsPerReq*wb,
		eventsPerCommit: a.eventsPerCommit*wa + b.eventsPerCommit*wb,
		commitMs:        a.commitMs*wa + b.commitMs*wb,
		waitMs:          a.waitMs*wa + b.waitMs*wb,
		bytesPerReq:     a.bytesPerReq*wa + b.bytesPerReq*wb,
		keyBlocks:       a.keyBlocks + b.keyBlocks,
		keyRewrites:     a.keyRewrites + b.keyRewrites,
		retried:         a.retried + b.retried,
		refused:         a.refused + b.refused,
	}
}

type comparison struct {
	name   string
	a, b   result
	roundA []float64
	roundB []float64
}

func compare(results []result, targets []*target) []comparison {
	a, b := targets[0].name, targets[1].name
	ma, mb := merged(results, a), merged(results, b)
	var out []comparison
	for _, ra := range ma {
		for _, rb := range mb {
			if ra.name != rb.name {
				continue
			}
			c := comparison{name: ra.name, a: ra, b: rb}
			for _, r := range results {
				if r.name != ra.name {
					continue
				}
				switch r.server {
				case a:
					c.roundA = append(c.roundA, r.rate())
				case b:
					c.roundB = append(c.roundB, r.rate())
				}
			}
			out = append(out, c)
		}
	}
	return out
}

func ratio(x, y float64) string {
	if y == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", x/y)
}

func rounds(rates []float64) string {
	parts := make([]string, len(rates))
	for i, r := range rates {
		parts[i] = fmt.Sprintf("%.0f", r)
	}
	return strings.Join(parts, " ")
}

func (c comparison) cells() []any {
	a50, a99 := percentile(c.a.latencies, 50), percentile(c.a.latencies, 99)
	b50, b99 := percentile(c.b.latencies, 50), percentile(c.b.latencies, 99)
	return []any{c.name, c.a.rate(), ms(a50), ms(a99), c.b.rate(), ms(b50), ms(b99),
		ratio(c.a.rate(), c.b.rate()), ratio(float64(b99), float64(a99)), rounds(c.roundA), rounds(c.roundB), c.a.errors, c.b.errors}
}

func writeComparison(w io.Writer, results []result, targets []*target) {
	a, b := targets[0].name, targets[1].name
	fmt.Fprintf(w, "\n%s / %s, rounds interleaved (ops/s ratio > 1: %s faster; p99 ratio > 1: %s's p99 lower):\n", a, b, a, a)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\t%s ops/s\tp50\tp99\t%s ops/s\tp50\tp99\tops/s ratio\tp99 ratio\t%s rounds\t%s rounds\t%s errors\t%s errors\t\n", a, b, a, b, a, b)
	for _, c := range compare(results, targets) {
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t\n", c.cells()...)
	}
	tw.Flush()
}

func writeComparisonMarkdown(w io.Writer, results []result, targets []*target) {
	a, b := targets[0].name, targets[1].name
	fmt.Fprintf(w, "| scenario | %s ops/s | p50 | p99 | %s ops/s | p50 | p99 | ops/s ratio | p99 ratio (%s/%s) | %s rounds | %s rounds | %s errors | %s errors |\n", a, b, b, a, a, b, a, b)
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |")
	for _, c := range compare(results, targets) {
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %d | %d |\n", c.cells()...)
	}
	fmt.Fprintln(w)
}
