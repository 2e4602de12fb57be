package node

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	vault "github.com/hashicorp/vault/api"
)

// BenchmarkKVPutParallel drives KV v2 writes through the Vault client into
// an in-process node (16 concurrent writers), for profiling the write path:
//
//	go test -run '^$' -bench KVPut -benchtime 3000x -cpuprofile /tmp/cpu.out ./node/
func BenchmarkKVPutParallel(b *testing.B) {
	n := startNode(b, b.TempDir(), "root-token")
	putParallel(b, clientFor(b, n, "root-token"))
}

// putParallel times b.N KV v2 writes of 100 bytes over 1,000 paths from 16
// concurrent writers and returns how many it made.
func putParallel(b *testing.B, c *vault.Client) int64 {
	value := map[string]any{"v": string(make([]byte, 100))}
	var i atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		kv := c.KVv2("secret")
		for pb.Next() {
			k := i.Add(1) % 1000
			if _, err := kv.Put(context.Background(), fmt.Sprintf("bench/%d", k), value); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	return i.Load()
}
