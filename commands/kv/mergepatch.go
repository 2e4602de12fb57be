package kv

// mergePatch applies an RFC 7396 JSON merge patch to target and returns
// the result. Objects merge key by key, a null removes a key, anything else
// replaces. target may be modified in place.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}
