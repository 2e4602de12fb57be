package sys

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cofferhq/coffer/commands/mount"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/projections/mountstore"
)

// Fields of enabling a secrets engine or an auth method (Vault's
// MountInput; the Go client always sends all of them).
var enableFields = map[string]*framework.FieldSchema{
	"path":                    {Type: framework.TypeString, Description: "The path to mount to."},
	"type":                    {Type: framework.TypeString, Description: "The type of the backend."},
	"description":             {Type: framework.TypeString, Description: "User-friendly description for this mount."},
	"config":                  {Type: framework.TypeMap, Description: "Configuration for this mount: default_lease_ttl, max_lease_ttl (seconds, a duration or \"system\")."},
	"local":                   {Type: framework.TypeBool, Description: "Mark the mount as a local mount (recorded; every mount is replicated by the ledger)."},
	"seal_wrap":               {Type: framework.TypeBool, Description: "Whether to turn on seal wrapping for the mount (recorded; every value is sealed anyway)."},
	"external_entropy_access": {Type: framework.TypeBool, Description: "Accepted for compatibility; Coffer has no external entropy source."},
	"options":                 {Type: framework.TypeKVPairs, Description: "The options to pass into the backend. Should be a json object with string keys and values."},
	"plugin_name":             {Type: framework.TypeString, Description: "Name of the plugin to mount based from the name registered in the plugin catalog (with type \"plugin\")."},
	"plugin_version":          {Type: framework.TypeString, Description: "Accepted for compatibility; engines are built in."},
}

// Fields of tuning a mount (Vault's MountConfigInput).
var tuneFields = map[string]*framework.FieldSchema{
	"path":              {Type: framework.TypeString, Description: "The path of the mount."},
	"description":       {Type: framework.TypeString, Description: "User-friendly description for this mount."},
	"default_lease_ttl": {Type: framework.TypeString, Description: "The default lease TTL for this mount (seconds, a duration or \"system\")."},
	"max_lease_ttl":     {Type: framework.TypeString, Description: "The max lease TTL for this mount (seconds, a duration or \"system\")."},
	"options":           {Type: framework.TypeKVPairs, Description: "The options to pass into the backend (a kv \"version\" can be raised)."},
	"force_no_cache":    {Type: framework.TypeBool, Description: "Accepted for compatibility; Coffer caches no response."},
}

func (b *backend) mountPaths() []*framework.Path {
	return []*framework.Path{
		{
			Pattern:    "mounts/?",
			Fields:     map[string]*framework.FieldSchema{},
			Synopsis:   "List the currently mounted backends.",
			Operations: map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: b.listMounts},
		},
		{
			Pattern:  "mounts/(?P<path>.+?)/tune/?",
			Fields:   tuneFields,
			Synopsis: "Tune backend configuration parameters for this mount.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readTune(false),
				framework.UpdateOperation: b.writeTune(false),
			},
		},
		{
			Pattern:  "mounts/(?P<path>.+)",
			Fields:   enableFields,
			Synopsis: "Mount a new backend at a new path.",
			Operations: map[framework.Operation]framework.HandlerFunc{
				framework.ReadOperation:   b.readMount(false),
				framework.UpdateOperation: b.enableMount(false),
				framework.DeleteOperation: b.disableMount(false),
			},
		},
	}
}

// listMounts answers GET sys/mounts: every secrets engine by path, sys/
// included.
func (b *backend) listMounts(req *framework.Request) (*framework.Response, error) {
	mounts, err := mountstore.List(b.deps.Store)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"sys/": b.mountInfo(b.systemMount())}
	for _, m := range b.builtinEngines() {
		data[m.Path] = b.mountInfo(m)
	}
	for _, m := range mounts {
		if !isAuth(m.Path) {
			data[m.Path] = b.mountInfo(m)
		}
	}
	return withTopLevel(req, data)
}

// readMount answers GET sys/mounts/<path> (or sys/auth/<path>) with the
// mount holding path.
func (b *backend) readMount(auth bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		path := sanitizePath(req.Vars["path"])
		if auth {
			if path == "token/" {
				return withTopLevel(req, b.mountInfo(b.tokenMount()))
			}
			path = mount.AuthPrefix + path
		}
		m, ok, err := b.matchingMount(path)
		if err != nil {
			return nil, err
		}
		if !ok || isAuth(m.Path) != auth {
			if auth {
				return nil, framework.BadRequest("No auth engine at %s", strings.TrimPrefix(path, mount.AuthPrefix))
			}
			return nil, framework.BadRequest("No secret engine mount at %s", path)
		}
		info := b.mountInfo(m)
		return withTopLevel(req, info)
	}
}

// enableMount answers POST sys/mounts/<path> (or sys/auth/<path>).
func (b *backend) enableMount(auth bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		cmd := mount.Enable{
			Path: req.Vars["path"], Type: req.String("type"), Description: req.String("description"),
			Local: req.Bool("local"), SealWrap: req.Bool("seal_wrap"), Auth: auth,
		}
		if options := req.StringMap("options"); len(options) > 0 {
			cmd.Options = options
		}
		if cmd.Type == "plugin" {
			if cmd.Type = req.String("plugin_name"); cmd.Type == "" {
				return nil, framework.BadRequest("plugin_name must be provided for plugin backend")
			}
		}
		config := req.Map("config")
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
		if err := b.checkType(cmd.Type, auth); err != nil {
			return nil, err
		}
		if _, err := mount.ExecEnable(req.Context(), b.deps.Bus, cmd); err != nil {
			return nil, err
		}
		return nil, b.reloadMounts()
	}
}

// checkType refuses a type no module serves, as Vault refuses a plugin
// missing from its catalog.
func (b *backend) checkType(typ string, auth bool) error {
	known := b.opts.EngineTypes
	if auth {
		known = b.opts.AuthTypes
	}
	if known == nil || typ == "" || (auth && typ == "token") {
		return nil
	}
	switch typ {
	case "kv-v1", "kv-v2":
		typ = "kv"
	}
	if !slices.Contains(known, typ) {
		return framework.BadRequest("plugin not found in the catalog: %s", typ)
	}
	return nil
}

// disableMount answers DELETE sys/mounts/<path> (or sys/auth/<path>). A
// path with no mount is a success, as in Vault.
func (b *backend) disableMount(auth bool) framework.HandlerFunc {
	return func(req *framework.Request) (*framework.Response, error) {
		if _, err := mount.ExecDisable(req.Context(), b.deps.Bus, mount.Disable{Path: req.Vars["path"], Auth: auth}); err != nil {
			return nil, err
		}
		return nil, b.reloadMounts()
	}
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

func isAuth(path string) bool { return strings.HasPrefix(path, mount.AuthPrefix) }
