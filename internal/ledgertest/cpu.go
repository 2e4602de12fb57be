package ledgertest

import (
	"syscall"
	"testing"
	"time"
)

// CPUPerOp reports the process's CPU time (user + system, every thread,
// GC included) per iteration as "cpu-ns/op" when the returned function
// runs, at the end of a benchmark: on a machine shared with other work,
// wall-clock ns/op measures the neighbours as much as the code, CPU time
// much less. Use: defer ledgertest.CPUPerOp(b)().
func CPUPerOp(b *testing.B) func() {
	start := cpuNow(b)
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuNow(b)-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuNow(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("ledgertest: getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
