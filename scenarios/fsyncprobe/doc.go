// Package fsyncprobe measures what this machine's disk charges for a
// durable write (a 4 KiB append and fsync; one JetStream publish to an R1
// file stream with SyncAlways), so that benchmarks print it beside their
// figures: the load generator (scenarios/loadgen) and the scale test
// (scenarios/scale).
package fsyncprobe
