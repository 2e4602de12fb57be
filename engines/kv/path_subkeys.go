package kv

import (
	"github.com/cofferhq/coffer/engines/framework"
)

// subkeysPath is subkeys/<path>: a version's structure with every leaf
// value replaced by null.
func (b *backend) subkeysPath() *framework.Path {
	return &framework.Path{
		Pattern: `subkeys/(?P<path>.*)`,
		Fields: map[string]*framework.FieldSchema{
			"path":    pathField,
			"version": versionField,
			"depth": {Type: framework.TypeInt, Query: true,
				Description: "Specifies the deepest nesting level to provide in the output. The default value 0 will not impose any limit."},
		},
		Synopsis: "Read the structure of a secret entry from the Key-Value store with the values removed.",
		Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation: b.readSubkeys,
		},
	}
}

func (b *backend) readSubkeys(req *framework.Request) (*framework.Response, error) {
	depth := int64(req.Int("depth"))
	data, md, err := b.readVersion(req, versionParam(req))
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
