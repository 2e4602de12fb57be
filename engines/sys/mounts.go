package sys

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/mountstore"
)

func (b *backend) mountPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "mounts/?",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.listMounts},
		},
		{
			Pattern: "mounts/(?P<path>.+?)/tune/?",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readTune,
				framework.UpdateOperation: b.writeTune,
			},
		},
		{
			Pattern: "mounts/(?P<path>.+)",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readMount,
				framework.UpdateOperation: b.enableMount,
				framework.DeleteOperation: b.disableMount,
			},
		},
	}
}

// listMounts answers GET sys/mounts: every mount by path, sys/ included.
func (b *backend) listMounts(req *framework.Request) (*framework.Response, error) {
	mounts, err := mountstore.List(b.deps.Store)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"sys/": b.mountInfo(b.systemMount())}
	for _, m := range mounts {
		data[m.Path] = b.mountInfo(m)
	}
	return withTopLevel(req, data)
}

// readMount answers GET sys/mounts/<path> with the mount holding path.
func (b *backend) readMount(req *framework.Request) (*framework.Response, error) {
	path := sanitizePath(req.Vars["path"])
	m, ok, err := b.matchingMount(path)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, framework.BadRequest("No secret engine mount at %s", path)
	}
	return withTopLevel(req, b.mountInfo(m))
}

// enableMount answers POST sys/mounts/<path>.
func (b *backend) enableMount(req *framework.Request) (*framework.Response, error) {
	cmd := mount.Enable{Path: req.Vars["path"]}
	var err error
	if cmd.Type, _, err = req.String("type"); err != nil {
		return nil, err
	}
	if cmd.Type == "plugin" {
		if cmd.Type, _, err = req.String("plugin_name"); err != nil {
			return nil, err
		}
		if cmd.Type == "" {
			return nil, framework.BadRequest("plugin_name must be provided for plugin backend")
		}
	}
	if cmd.Description, _, err = req.String("description"); err != nil {
		return nil, err
	}
	if cmd.Local, _, err = req.Bool("local"); err != nil {
		return nil, err
	}
	if cmd.SealWrap, _, err = req.Bool("seal_wrap"); err != nil {
		return nil, err
	}
	if cmd.Options, _, err = req.StringMap("options"); err != nil {
		return nil, err
	}
	config, err := configMap(req)
	if err != nil {
		return nil, err
	}
	if d, ok, err := ttlField(config, "default_lease_ttl", "default TTL"); err != nil {
		return nil, err
	} else if ok {
		cmd.DefaultLeaseTTL = d
	}
	if d, ok, err := ttlField(config, "max_lease_ttl", "max TTL"); err != nil {
		return nil, err
	} else if ok {
		cmd.MaxLeaseTTL = d
	}
	if err := b.checkEngineType(cmd.Type); err != nil {
		return nil, err
	}
	if _, err := mount.ExecEnable(req.Context(), b.deps.Bus, cmd); err != nil {
		return nil, clientError(err)
	}
	return nil, b.reloadMounts()
}

func (b *backend) checkEngineType(typ string) error {
	if len(b.opts.EngineTypes) == 0 || typ == "" {
		return nil
	}
	switch typ {
	case "kv-v1", "kv-v2":
		typ = "kv"
	}
	if !slices.Contains(b.opts.EngineTypes, typ) {
		return framework.BadRequest("plugin not found in the catalog: %s", typ)
	}
	return nil
}

// disableMount answers DELETE sys/mounts/<path>. A path with no mount is
// a success, as in Vault.
func (b *backend) disableMount(req *framework.Request) (*framework.Response, error) {
	if _, err := mount.ExecDisable(req.Context(), b.deps.Bus, mount.Disable{Path: req.Vars["path"]}); err != nil {
		return nil, clientError(err)
	}
	return nil, b.reloadMounts()
}

// configMap returns the "config" object of an enable request.
func configMap(req *framework.Request) (map[string]any, error) {
	raw, ok := req.Data["config"]
	if !ok || raw == nil {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, framework.BadRequest("unable to convert given mount config information")
	}
	return m, nil
}

// ttlField reads a lease TTL the way Vault's mount API does: "" leaves it
// unset, "system" means the system default (0), anything else is seconds
// or a duration string. ok is false when the field is absent or "".
func ttlField(m map[string]any, key, what string) (time.Duration, bool, error) {
	raw, present := m[key]
	if !present || raw == nil {
		return 0, false, nil
	}
	var s string
	switch v := raw.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	case float64:
		s = strconv.FormatInt(int64(v), 10)
	default:
		return 0, false, framework.BadRequest("unable to parse %s: unexpected type %T", what, raw)
	}
	switch s {
	case "":
		return 0, false, nil
	case "system":
		return 0, true, nil
	}
	d, err := framework.ParseDuration(s)
	if err != nil {
		return 0, false, framework.BadRequest("unable to parse %s of %s: %v", what, s, err)
	}
	return d, true, nil
}

// mountVersion is the kv "version" option as a number (0 when unset).
func mountVersion(options map[string]string) int {
	v, _ := strconv.Atoi(options["version"])
	return v
}

func upgradeWarning(from, to int) string {
	return fmt.Sprintf("Upgrading mount from version %d to version %d. This mount will be unavailable for a brief period and will resume service shortly.", from, to)
}
