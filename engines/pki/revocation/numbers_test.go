package revocation

import "testing"

// TestNumbersGrowAcrossModes walks a mount through revocations,
// rotations and mode switches and checks every CRL it publishes, complete
// or delta, is numbered above every one before it.
func TestNumbersGrowAcrossModes(t *testing.T) {
	var n, base int64
	auto := false
	last := int64(-1)
	publish := func(what string, num int64) {
		t.Helper()
		if num <= last {
			t.Fatalf("%s numbered %d after %d", what, num, last)
		}
		last = num
	}
	revoke := func() { n++ }
	rotate := func() { n++; base = n }
	current := func() {
		if auto {
			publish("complete", PinnedNumber(base))
			publish("delta", LiveNumber(n))
			return
		}
		publish("complete", LiveNumber(n))
	}
	current()
	revoke()
	current()
	rotate()
	current()
	auto = true
	rotate() // DecideCRLConfig rotates when auto_rebuild changes
	current()
	revoke()
	publish("delta", LiveNumber(n))
	revoke()
	publish("delta", LiveNumber(n))
	rotate()
	current()
	auto = false
	rotate()
	current()
}
