// Package metrics is the node's operational surface: Prometheus metrics at
// sys/metrics and Go's profiles at sys/pprof/.
//
// A Registry lives as long as the node (it outlives seals): it holds the
// request counters and latency histograms, fed by Wrap, a middleware the
// node puts around the gateway's handler, and the collectors that read
// what the ledger and the projections already count. The Module (a sys
// service) adds, while the node is unsealed, the collectors that need the
// projections (projection lag, leases by state, the reaper's queue, the
// checkpoint's age) and serves the paths.
//
// Configured as Vault's telemetry is: prometheus_retention_time (default
// 24h; 0 refuses the Prometheus format) bounds how long a request series
// nobody updated is kept (a disabled mount's series go away), and
// sys/metrics needs a token with read on it unless the listener says
// unauthenticated_metrics_access (dev mode does). Every name follows
// Prometheus's conventions: the coffer_ prefix, base units in the name
// (_seconds, _bytes), _total on counters. No label holds a request path:
// the mount label is a mount of the table (or "sys/", "unmatched"), so the
// series are bounded by the mounts.
//
// Profiles (sys/pprof/...) need sudo: Vault asks only for read, but a heap
// profile exposes memory, and memory holds secrets.
package metrics
