package kv

import (
	"github.com/cofferhq/coffer/engines/framework"
)

// subkeysPath is subkeys/<path>: a version's structure with every leaf
// value replaced by null.
func (b *backend) subkeysPath() *framework.Path {
	return &framework.Path{
		Pattern: `subkeys/(?P<path>.*)`,
		Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation: b.readSubkeys,
		},
	}
}

func (b *backend) readSubkeys(req *framework.Request) (*framework.Response, error) {
	n, err := intParam(req, "version")
	if err != nil {
		return nil, err
	}
	depth, _, err := req.Int("depth")
	if err != nil {
		return nil, err
	}
	data, md, err := b.readVersion(req, uint64(n))
	if err != nil {
		return nil, err
	}
	if data == nil {
		return notFoundWith(map[string]any{"subkeys": nil, "metadata": md}), nil
	}
	stripValues(data, depth)
	return &framework.Response{Data: map[string]any{"subkeys": data, "metadata": md}}, nil
}

// stripValues replaces every leaf (a non-object, an empty object, or any
// object at maxDepth) with nil, in place. maxDepth 0 is unlimited. The
// top-level object is depth 1, as in Vault.
func stripValues(m map[string]any, maxDepth int64) {
	var walk func(map[string]any, int64)
	walk = func(m map[string]any, depth int64) {
		for k, v := range m {
			child, ok := v.(map[string]any)
			if ok && len(child) > 0 && (maxDepth == 0 || depth+1 <= maxDepth) {
				walk(child, depth+1)
				continue
			}
			m[k] = nil
		}
	}
	walk(m, 1)
}
