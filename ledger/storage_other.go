//go:build !unix

package ledger

import "errors"

// diskFree cannot tell on this platform; the guard then relies on the
// server's own write errors.
func diskFree(string) (uint64, error) {
	return 0, errors.New("ledger: free space unknown on this platform")
}
