package pki

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/internal/ledgertest"
)

// BenchmarkIssueP256 issues EC P-256 leaves (1 h TTL) through the path
// table on a real ledger, in parallel: the engine's share of pki-issue
// without HTTP and audit, with its CPU time per issue (cpu-ns/op: the
// whole process, ledger writer and projector included). Whole-server
// figures come from the loadgen scenario.
func BenchmarkIssueP256(b *testing.B) {
	e := newEnvB(b)
	m := e.mount("pki", 87600*time.Hour)
	call := func(path string, data map[string]any) {
		if _, err := m.Call(b, framework.UpdateOperation, path, data); err != nil {
			b.Fatal(err)
		}
	}
	call("root/generate/internal", map[string]any{"common_name": "Bench Root", "key_type": "ec", "ttl": "87600h"})
	call("roles/r", map[string]any{"allowed_domains": "example.com", "allow_subdomains": true, "key_type": "ec", "max_ttl": "2h"})
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	defer ledgertest.CPUPerOp(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			call("issue/r", map[string]any{"common_name": fmt.Sprintf("h%d.example.com", n.Add(1)), "ttl": "1h"})
		}
	})
}
