package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	vault "github.com/hashicorp/vault/api"
)

// The commit budget of a scenario: how many ledger commits (fsynced
// messages) each request cost, how many events each commit carried, how
// long a commit took from publish to fsynced ack, and how many ledger
// bytes a request added. Read from Coffer's sys/ledger/stats before and
// after the timed part (setup excluded); the server's background work
// (checkpoints, erasures) in that window is included.
type ledgerStats map[string]float64

func fetchLedgerStats(ctx context.Context, c *vault.Client) (ledgerStats, error) {
	s, err := c.Logical().ReadWithContext(ctx, "sys/ledger/stats")
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, fmt.Errorf("sys/ledger/stats: empty answer")
	}
	out := ledgerStats{}
	for k, v := range s.Data {
		switch n := v.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(n), 64)
			if err == nil {
				out[k] = f
			}
		case float64:
			out[k] = n
		}
	}
	return out, nil
}

type budget struct {
	requests                                 int
	commitsPerReq, eventsPerCommit, commitMs float64
	bytesPerReq, waitMs                      float64
	keyBlocks, keyRewrites, retried, refused float64
}

func newBudget(before, after ledgerStats, requests int) *budget {
	d := func(k string) float64 { return after[k] - before[k] }
	b := &budget{requests: requests, keyBlocks: d("data_key_blocks"), keyRewrites: d("data_key_rewrites"), retried: d("retried"), refused: d("refused")}
	if msgs := d("messages"); msgs > 0 {
		b.eventsPerCommit = d("events") / msgs
		b.commitMs = d("commit_nanos") / msgs / 1e6
	}
	if reqs := d("requests"); reqs > 0 {
		b.waitMs = d("wait_nanos") / reqs / 1e6
	}
	if requests > 0 {
		b.commitsPerReq = d("messages") / float64(requests)
		b.bytesPerReq = d("bytes") / float64(requests)
	}
	return b
}

const budgetHeader = "scenario\trequests\tcommits/req\tevents/commit\tcommit ms\tqueue ms\tledger B/req\tkey blocks\tblock rewrites\t"

func (b *budget) cells(name string) []any {
	return []any{name, b.requests, b.commitsPerReq, b.eventsPerCommit, b.commitMs, b.waitMs, b.bytesPerReq, b.keyBlocks, b.keyRewrites}
}

const budgetFormat = "%s\t%d\t%.2f\t%.1f\t%.2f\t%.2f\t%.0f\t%.0f\t%.0f\t\n"

func writeBudgets(w io.Writer, results []result) {
	any := false
	for _, r := range results {
		any = any || r.budget != nil
	}
	if !any {
		return
	}
	fmt.Fprintln(w, "\ncommit budget (Coffer's ledger writer during the timed part; commit ms is publish to fsynced ack, queue ms a request's wait for its commit to start):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, budgetHeader)
	for _, r := range results {
		if r.budget != nil {
			fmt.Fprintf(tw, budgetFormat, r.budget.cells(r.name)...)
		}
	}
	tw.Flush()
}

func writeBudgetsMarkdown(w io.Writer, results []result) {
	fmt.Fprintln(w, "| scenario | requests | commits/req | events/commit | commit ms | queue ms | ledger B/req | key blocks | block rewrites |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range results {
		if r.budget != nil {
			fmt.Fprintf(w, "| %s | %d | %.2f | %.1f | %.2f | %.2f | %.0f | %.0f | %.0f |\n", r.budget.cells(r.name)...)
		}
	}
	fmt.Fprintln(w)
}
