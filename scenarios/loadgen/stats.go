package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"
)

// result is one scenario's outcome. latencies holds every successful
// operation's latency, sorted.
type result struct {
	name        string
	server      string // which server (compare mode)
	budget      *budget
	errors      int
	firstErrors []string // up to 3 distinct messages, in the order seen
	elapsed     time.Duration
	latencies   []time.Duration
}

const keepErrors = 3

func (r *result) addError(msg string) {
	r.errors++
	if len(r.firstErrors) < keepErrors && !slices.Contains(r.firstErrors, msg) {
		r.firstErrors = append(r.firstErrors, msg)
	}
}

func (r result) ops() int { return len(r.latencies) }

func (r result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ops()) / r.elapsed.Seconds()
}

// percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted:
// the smallest sample with at least p% of the samples at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(float64(len(sorted)) * p / 100))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func (r result) row() []any {
	return []any{r.name, r.ops(), r.errors, r.rate(),
		ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 99)), ms(percentile(r.latencies, 100))}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func writeTable(w io.Writer, results []result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tops\terrors\tops/s\tp50\tp99\tmax\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t\n", r.row()...)
	}
	tw.Flush()
}

func writeMarkdown(w io.Writer, results []result) {
	fmt.Fprintln(w, "| scenario | ops | errors | ops/s | p50 | p99 | max |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %d | %d | %.0f | %s | %s | %s |\n", r.row()...)
	}
	fmt.Fprintln(w)
}

func printErrors(w io.Writer, r result) {
	if r.errors == 0 {
		return
	}
	fmt.Fprintf(w, "%s: %d errors; first distinct:\n", r.name, r.errors)
	for _, m := range r.firstErrors {
		fmt.Fprintf(w, "  - %s\n", m)
	}
}
