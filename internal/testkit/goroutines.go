package testkit

import (
	"runtime"
	"strings"

	"go.uber.org/goleak"
)

// IgnoreEmbeddedNATS lists, for goleak, the goroutines the embedded NATS
// server runs for the streams and consumers it holds: they belong to the
// server, which outlives a seal, not to the node's parts. Client-side
// goroutines (subscriptions, iterators) are not ignored.
func IgnoreEmbeddedNATS() []goleak.Option {
	var opts []goleak.Option
	seen := map[string]bool{}
	buf := make([]byte, 8<<20)
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "created by github.com/nats-io/nats-server/") {
			continue
		}
		lines := strings.Split(g, "\n")
		if len(lines) < 2 {
			continue
		}
		top := lines[1]
		if i := strings.LastIndexByte(top, '('); i > 0 {
			top = top[:i]
		}
		if !seen[top] {
			seen[top] = true
			opts = append(opts, goleak.IgnoreTopFunction(top))
		}
	}
	return opts
}
