package sys

import (
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// readTune answers GET sys/mounts/<path>/tune (or sys/auth/<path>/tune)
// with the effective lease TTLs (system defaults filled in), as Vault
// does.
func (b *backend) readTune(auth bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		path := sanitizePath(req.Vars["path"])
		auth, path := tuneTarget(auth, path)
		var m mountstore.Mount
		switch {
		case auth && path == "token/":
			m = b.tokenMount()
		default:
			if auth {
				path = mount.AuthPrefix + path
			}
			found, ok, err := b.matchingMount(path)
			if err != nil {
				return nil, err
			}
			if !ok || isAuth(found.Path) != auth {
				return nil, framework.BadRequest("cannot fetch mount entry for path %q", strings.TrimPrefix(path, mount.AuthPrefix))
			}
			m = found
		}
		def, max := effectiveTTLs(m)
		data := map[string]any{
			"description":       m.Description,
			"default_lease_ttl": int64(def / time.Second),
			"max_lease_ttl":     int64(max / time.Second),
			"force_no_cache":    false,
		}
		if m.Type == "token" {
			data["token_type"] = "default-service"
		}
		if len(m.Options) > 0 {
			data["options"] = m.Options
		}
		return withTopLevel(req, data)
	}
}

// writeTune answers POST sys/mounts/<path>/tune (or sys/auth/<path>/tune):
// description, lease TTLs (seconds, duration strings, or "system") and
// options.
func (b *backend) writeTune(auth bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		auth, rel := tuneTarget(auth, sanitizePath(req.Vars["path"]))
		cmd := mount.Tune{Path: rel, Auth: auth}
		if desc, ok := req.StringOk("description"); ok {
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
		options := req.StringMap("options")
		if len(options) == 0 {
			options = nil
		}
		cmd.Options = options
		target := sanitizePath(cmd.Path)
		if auth {
			target = mount.AuthPrefix + target
		}
		before, _, err := b.matchingMount(target)
		if err != nil {
			return nil, err
		}
		if _, err := mount.ExecTune(req.Context(), b.deps.Bus, cmd); err != nil {
			return nil, err
		}
		if err := b.reloadMounts(); err != nil {
			return nil, err
		}
		return tuneWarnings(before, options), nil
	}
}

// tuneWarnings reports a kv version upgrade as Vault does.
func tuneWarnings(before mountstore.Mount, options map[string]string) *framework.Response {
	from, to := mountVersion(before.Options), mountVersion(options)
	if _, set := options["version"]; !set || to <= from {
		return nil
	}
	return &framework.Response{Warnings: []string{upgradeWarning(from, to)}}
}

// tuneTarget lets sys/mounts/auth/<path>/tune tune an auth method, as
// Vault's does (its Go client's TuneMount("auth/x") goes there).
func tuneTarget(auth bool, path string) (bool, string) {
	if rest, ok := strings.CutPrefix(path, mount.AuthPrefix); ok && !auth {
		return true, rest
	}
	return auth, path
}
