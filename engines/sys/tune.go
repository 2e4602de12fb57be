package sys

import (
	"time"

	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// readTune answers GET sys/mounts/<path>/tune with the effective lease
// TTLs (system defaults filled in), as Vault does.
func (b *backend) readTune(req *framework.Request) (*framework.Response, error) {
	path := sanitizePath(req.Vars["path"])
	m, ok, err := b.matchingMount(path)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, framework.BadRequest("cannot fetch mount entry for path %q", path)
	}
	def, max := effectiveTTLs(m)
	data := map[string]any{
		"description":       m.Description,
		"default_lease_ttl": int64(def / time.Second),
		"max_lease_ttl":     int64(max / time.Second),
		"force_no_cache":    false,
	}
	if len(m.Options) > 0 {
		data["options"] = m.Options
	}
	return withTopLevel(req, data)
}

// writeTune answers POST sys/mounts/<path>/tune: description, lease TTLs
// (seconds, duration strings, or "system") and options.
func (b *backend) writeTune(req *framework.Request) (*framework.Response, error) {
	cmd := mount.Tune{Path: req.Vars["path"]}
	if desc, ok, err := req.String("description"); err != nil {
		return nil, err
	} else if ok {
		cmd.Description = &desc
	}
	for _, f := range []struct {
		key, what string
		dst       **time.Duration
	}{
		{"default_lease_ttl", "default TTL", &cmd.DefaultLeaseTTL},
		{"max_lease_ttl", "max TTL", &cmd.MaxLeaseTTL},
	} {
		d, ok, err := ttlField(req.Data, f.key, f.what)
		if err != nil {
			return nil, err
		}
		if ok {
			*f.dst = &d
		}
	}
	options, _, err := req.StringMap("options")
	if err != nil {
		return nil, err
	}
	cmd.Options = options
	before, _, err := b.matchingMount(sanitizePath(cmd.Path))
	if err != nil {
		return nil, err
	}
	if _, err := mount.ExecTune(req.Context(), b.deps.Bus, cmd); err != nil {
		return nil, clientError(err)
	}
	if err := b.reloadMounts(); err != nil {
		return nil, err
	}
	return tuneWarnings(before, options), nil
}

// tuneWarnings reports a kv version upgrade as Vault does.
func tuneWarnings(before mountstore.Mount, options map[string]string) *framework.Response {
	from, to := mountVersion(before.Options), mountVersion(options)
	if _, set := options["version"]; !set || to <= from {
		return nil
	}
	return &framework.Response{Warnings: []string{upgradeWarning(from, to)}}
}
