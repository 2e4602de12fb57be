package gateway

import (
	"slices"
	"strings"
)

// opaqueTailPath accepts a path canonicalPath refused when the refusal
// lies in a tail the backend declares opaque (framework.Backend.
// OpaqueTails, e.g. an OCSP GET request's URL-encoded base64): the head
// up to and including that prefix must be canonical, and the tail is
// taken unescaped, '/' and empty segments included, refusing only what
// no path may hold (checkChars). Anywhere else the refusal stands.
func (s *Server) opaqueTailPath(escaped string) (string, bool) {
	for i := strings.IndexByte(escaped, '/'); i >= 0; {
		head, err := canonicalPath(escaped[:i+1])
		if err != nil {
			return "", false // the head is refused already: no tail mends it
		}
		if rt, err := s.resolve(head); err == nil && rt.backend != nil && slices.Contains(rt.backend.OpaqueTails, rt.rel) {
			tail, err := unescape(escaped[i+1:])
			if err != nil || tail == "" || checkChars(tail) != nil {
				return "", false
			}
			return head + tail, true
		}
		next := strings.IndexByte(escaped[i+1:], '/')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return "", false
}
