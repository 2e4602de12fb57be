package token_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/internal/ledgertest"
)

// BenchmarkCreateHTTP creates tokens through the whole HTTP stack (gateway,
// audit records, ACL, command bus, ledger, projections) from 16 concurrent
// clients. The target is at least 1,000 creates/s on 2 cores; cpu-ns/op is
// the process's CPU per creation (server and client), the figure to
// compare on a shared machine:
//
//	go test -run - -bench CreateHTTP -benchtime 5000x ./engines/token
func BenchmarkCreateHTTP(b *testing.B) {
	n := startNode(b, b.TempDir())
	addr, root := serveHTTP(b, n)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	const workers = 16
	work := make(chan struct{}, b.N)
	for i := 0; i < b.N; i++ {
		work <- struct{}{}
	}
	close(work)
	var wg sync.WaitGroup
	b.ResetTimer()
	done := ledgertest.CPUPerOp(b)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				req, _ := http.NewRequest(http.MethodPost, addr+"/v1/auth/token/create", strings.NewReader(`{"policies":["app"],"ttl":"1h"}`))
				req.Header.Set("X-Vault-Token", root)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	done()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "creates/s")
}
