package certs

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/cofferhq/coffer/engines/pki/internal/benchtest"
)

// BenchmarkIssueLeafP256 is the x509 ceiling of issue/:role on this
// machine: an EC P-256 key generated and a leaf signed by a P-256
// intermediate, in parallel on every core (GOMAXPROCS). It reports
// certificates per second across all cores as certs/s.
func BenchmarkIssueLeafP256(b *testing.B) {
	ca := newTestCA(b, "ec", 256)
	p := leafParams("api.internal.example.com", fixedNow(), time.Hour)
	b.ReportAllocs()
	clock := benchtest.Start()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key, err := GenerateKey(rand.Reader, KeyEC, 256)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := IssueWithKey(rand.Reader, p, key, ca.inter); err != nil {
				b.Error(err)
				return
			}
		}
	})
	clock.Report(b)
}

// BenchmarkSignOnlyP256 is the signing half alone (a fixed key), to split
// the ceiling between key generation and certificate signing.
func BenchmarkSignOnlyP256(b *testing.B) {
	ca := newTestCA(b, "ec", 256)
	key := mustKey(b, KeyEC, 256)
	p := leafParams("api.internal.example.com", fixedNow(), time.Hour)
	b.ReportAllocs()
	clock := benchtest.Start()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := IssueWithKey(rand.Reader, p, key, ca.inter); err != nil {
				b.Error(err)
				return
			}
		}
	})
	clock.Report(b)
}
