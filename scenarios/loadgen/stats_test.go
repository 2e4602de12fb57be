package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 200; i++ {
		s = append(s, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 100}, {99, 198}, {100, 200}, {0.1, 1}} {
		if got := percentile(s, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("one sample: %v", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("no samples: %v", got)
	}
}

func TestErrorsKeepThreeDistinct(t *testing.T) {
	var r result
	for _, m := range []string{"a", "a", "b", "c", "d", "b"} {
		r.addError(m)
	}
	if r.errors != 6 || strings.Join(r.firstErrors, ",") != "a,b,c" {
		t.Fatalf("errors %d, first %v", r.errors, r.firstErrors)
	}
}

func TestTables(t *testing.T) {
	r := result{name: "kv-write", errors: 1, elapsed: time.Second,
		latencies: []time.Duration{time.Millisecond, 2 * time.Millisecond}}
	var text, md bytes.Buffer
	writeTable(&text, []result{r})
	writeMarkdown(&md, []result{r})
	if !strings.Contains(text.String(), "kv-write") || !strings.Contains(text.String(), "2.00ms") {
		t.Errorf("table:\n%s", text.String())
	}
	if !strings.Contains(md.String(), "| kv-write | 2 | 1 | 2 | 1.00ms | 2.00ms | 2.00ms |") {
		t.Errorf("markdown:\n%s", md.String())
	}
}
