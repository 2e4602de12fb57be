// Package benchtest holds what the PKI packages' benchmarks share:
// reporting a rate and the CPU cost of an operation.
package benchtest

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime is the process's user+system CPU time, so benchmarks can report
// the CPU cost of an operation even when other processes share the cores
// (wall-clock ns/op then overstates it).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Clock is a benchmark's start: wall clock and CPU time.
type Clock struct {
	wall time.Time
	cpu  time.Duration
}

// Start reads both clocks.
func Start() Clock { return Clock{wall: time.Now(), cpu: CPUTime()} }

// Report adds certs/s (wall clock, all cores) and cpu-µs/op since start.
func (c Clock) Report(b *testing.B) {
	b.ReportMetric(float64(b.N)/time.Since(c.wall).Seconds(), "certs/s")
	b.ReportMetric(float64((CPUTime()-c.cpu).Microseconds())/float64(b.N), "cpu-µs/op")
}
