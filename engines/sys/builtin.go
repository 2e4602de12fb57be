package sys

import (
	"fmt"
	"github.com/cofferhq/coffer/engines/framework"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// Accessors of the built-in mounts; they match what the gateway reports
// for requests routed to sys/ and auth/token/.
const (
	systemAccessor = "system"
	tokenAccessor  = "auth_token"
)

// systemMount is the sys/ entry Vault lists in sys/mounts.
func (b *backend) systemMount() mountstore.Mount {
	return mountstore.Mount{
		Path: "sys/", Type: "system", Accessor: systemAccessor, UUID: b.stableUUID("mount:sys/"),
		Description: "system endpoints used for control, policy and debugging", SealWrap: true,
	}
}

// tokenMount is the auth/token/ entry Vault lists in sys/auth (as
// "token/").
func (b *backend) tokenMount() mountstore.Mount {
	return mountstore.Mount{
		Path: "token/", Type: "token", Accessor: tokenAccessor, UUID: b.stableUUID("mount:auth/token/"),
		Description: "token based credentials",
	}
}

// builtinEngines are the secrets engines mounted once at a fixed path
// (cubbyhole/), which Vault lists in sys/mounts.
func (b *backend) builtinEngines() []mountstore.Mount {
	var out []mountstore.Mount
	for _, m := range b.opts.Modules {
		if m.Builtin != "" && m.Kind == framework.SecretEngine {
			out = append(out, mountstore.Mount{
				Path: m.Builtin, Type: m.Type, Accessor: m.BuiltinAccessor, UUID: b.stableUUID("mount:" + m.Builtin),
				Description: m.Description,
			})
		}
	}
	return out
}

// stableUUID derives a UUID-shaped identifier from the ledger's audit key,
// so built-in entries keep the same id across restarts and nodes of one
// cluster without storing it.
func (b *backend) stableUUID(purpose string) string {
	barrier := b.deps.Ledger.Barrier()
	if barrier == nil {
		return ""
	}
	h := barrier.HMAC("sys-uuid", purpose)
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// mountInfo is a mount as Vault's sys/mounts reports it.
func (b *backend) mountInfo(m mountstore.Mount) map[string]any {
	config := map[string]any{
		"default_lease_ttl": int64(m.DefaultLeaseTTL / time.Second),
		"max_lease_ttl":     int64(m.MaxLeaseTTL / time.Second),
		"force_no_cache":    false,
	}
	switch m.Type {
	case "system":
		config["passthrough_request_headers"] = []string{"Accept"}
	case "token":
		config["token_type"] = "default-service"
	}
	var options any
	if m.Options != nil {
		options = m.Options
	}
	return map[string]any{
		"type":                    m.Type,
		"description":             m.Description,
		"accessor":                m.Accessor,
		"local":                   m.Local,
		"seal_wrap":               m.SealWrap,
		"external_entropy_access": false,
		"options":                 options,
		"uuid":                    m.UUID,
		"plugin_version":          "",
		"running_plugin_version":  b.runningVersion(),
		"running_sha256":          "",
		"config":                  config,
	}
}

func (b *backend) runningVersion() string {
	v := strings.TrimPrefix(b.opts.Version, "v")
	if v == "" {
		return ""
	}
	return "v" + v + "+builtin.coffer"
}

// effectiveTTLs are a mount's lease TTLs with the system defaults filled
// in, as Vault's tune endpoint reports them.
func effectiveTTLs(m mountstore.Mount) (def, max time.Duration) {
	def, max = m.DefaultLeaseTTL, m.MaxLeaseTTL
	if def == 0 {
		def = mount.SystemDefaultLeaseTTL
	}
	if max == 0 {
		max = mount.SystemMaxLeaseTTL
	}
	if def > max {
		def = max
	}
	return def, max
}

// matchingMount finds the mount holding path by longest prefix, reading
// the projections (not the routing table) so a client reads its own
// writes. sys/ counts as a mount, as in Vault's router.
func (b *backend) matchingMount(path string) (mountstore.Mount, bool, error) {
	if path == "sys/" || strings.HasPrefix(path, "sys/") {
		return b.systemMount(), true, nil
	}
	mounts, err := mountstore.List(b.deps.Store)
	if err != nil {
		return mountstore.Mount{}, false, err
	}
	var best mountstore.Mount
	found := false
	for _, m := range mounts {
		if strings.HasPrefix(path, m.Path) && len(m.Path) > len(best.Path) {
			best, found = m, true
		}
	}
	return best, found, nil
}

// sanitizePath is Vault's sanitizeMountPath: no leading slash, one
// trailing slash.
func sanitizePath(p string) string {
	p = strings.TrimLeft(p, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

func (b *backend) reloadMounts() error {
	if b.opts.Mounts == nil {
		return nil
	}
	return b.opts.Mounts.Reload()
}
