package policy

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time, so benchmarks can report
// the CPU cost of an operation even when other processes share the cores
// (wall-clock ns/op then overstates it).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRates adds certs/s (wall clock, all cores) and cpu-µs/op.
func reportRates(b *testing.B, wallStart time.Time, cpuStart time.Duration) {
	b.ReportMetric(float64(b.N)/time.Since(wallStart).Seconds(), "certs/s")
	b.ReportMetric(float64((cpuTime()-cpuStart).Microseconds())/float64(b.N), "cpu-µs/op")
}
