// Package testcert makes throw-away certificate authorities and the
// certificates they sign, for tests of TLS between Coffer's own parts
// (listeners, cluster routes): written as PEM files for configs, and
// loaded for in-process TLS. Keys are ECDSA P-256 and live an hour.
// It imports nothing of Coffer, so any package's tests can use it.
package testcert
