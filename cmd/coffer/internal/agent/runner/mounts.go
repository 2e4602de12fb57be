package runner

import (
	"context"
	"strings"
	"sync"

	tmpl "github.com/cofferhq/coffer/cmd/coffer/internal/agent/template"
)

// mountCache remembers which mounts are KV v2, from the same preflight
// the Vault CLI and consul-template use (sys/internal/ui/mounts/<path>).
type mountCache struct {
	mu     sync.Mutex
	mounts map[string]bool // mount path ("secret/") -> KV v2
}

func (m *mountCache) lookup(path string) (mount string, v2, known bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	best := ""
	for mp := range m.mounts {
		if strings.HasPrefix(path+"/", mp) && len(mp) > len(best) {
			best = mp
		}
	}
	if best == "" {
		return "", false, false
	}
	return best, m.mounts[best], true
}

func (m *mountCache) remember(mount string, v2 bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mounts == nil {
		m.mounts = map[string]bool{}
	}
	m.mounts[mount] = v2
}

// resolve returns the API path for dep: on a KV v2 mount,
// `secret "secret/x"` reads secret/data/x and `secrets "secret/x"` lists
// secret/metadata/x, as consul-template does.
func (s *store) resolve(ctx context.Context, dep tmpl.Dep) (string, error) {
	if dep.Kind != tmpl.Read && dep.Kind != tmpl.List {
		return dep.Path, nil
	}
	bare := stripQuery(dep.Path)
	mount, v2, known := s.mounts.lookup(bare)
	if !known {
		sec, err := s.client.Logical().ReadWithContext(ctx, "sys/internal/ui/mounts/"+bare)
		if err != nil || sec == nil || sec.Data == nil {
			// No preflight (an older server, or no grant): read as written.
			return dep.Path, nil //nolint:nilerr // the read itself reports errors
		}
		mount, _ = sec.Data["path"].(string)
		if mount == "" {
			return dep.Path, nil
		}
		opts, _ := sec.Data["options"].(map[string]any)
		version, _ := opts["version"].(string)
		typ, _ := sec.Data["type"].(string)
		v2 = version == "2" && (typ == "kv" || typ == "generic")
		s.mounts.remember(mount, v2)
	}
	if !v2 {
		return dep.Path, nil
	}
	rest := strings.TrimPrefix(dep.Path, mount)
	want := "data/"
	if dep.Kind == tmpl.List {
		want = "metadata/"
	}
	if strings.HasPrefix(rest, want) || rest == strings.TrimSuffix(want, "/") {
		return dep.Path, nil
	}
	return mount + want + rest, nil
}
