package sys

import "github.com/cofferhq/coffer/engines/framework"

func (b *backend) authPaths() []*framework.Path {
	return []*framework.Path{{
		Pattern:    "auth/?",
		Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.listAuth},
	}}
}

// listAuth answers GET sys/auth. Only the built-in token method exists so
// far; enabling other auth methods (sys/auth/<path>) comes with them.
func (b *backend) listAuth(req *framework.Request) (*framework.Response, error) {
	return withTopLevel(req, map[string]any{"token/": b.mountInfo(b.tokenMount())})
}
