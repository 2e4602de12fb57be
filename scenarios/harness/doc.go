// Package harness starts the real coffer binary for end-to-end scenarios and
// talks to it only through public surfaces: the process (signals, stdout and
// stderr), the HTTP API via HashiCorp's Vault Go client, and the binary's own
// Vault-like CLI.
//
// A typical test:
//
//	s := harness.Start(t, harness.Options{})
//	c := s.Client(t)
//	_, err := c.KVv2("secret").Put(ctx, "app/x", map[string]any{"k": "v"})
//	s.Kill()       // SIGKILL, like kill -9
//	s.Restart(t)   // same data dir, same port, same root token
//
// Binary builds ./cmd/coffer once per test process (or uses $COFFER_BIN).
// Start picks a free loopback port and a fresh data dir, waits for
// GET /v1/sys/health to answer 200 and stops the server when the test ends.
// Launch does the same without a testing.TB, for the load generator.
//
// Waiting is always by polling a condition (Eventually), never by sleeping
// for a fixed time. ScanForBytes and Encodings back the canary tests that
// prove no secret lands in plaintext in the data dir or the server's output.
package harness
