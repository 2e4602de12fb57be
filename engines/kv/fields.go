package kv

import (
	"math"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
)

// Fields the KV paths share, declared once.
var (
	pathField    = &framework.FieldSchema{Type: framework.TypeString, Description: "Location of the secret."}
	versionField = &framework.FieldSchema{Type: framework.TypeInt, Query: true,
		Description: "If provided during a read, the value at the version number will be returned."}
	settingsFields = map[string]*framework.FieldSchema{
		"max_versions":         {Type: framework.TypeInt, Description: "The number of versions to keep. If not set, the backend’s configured max version is used."},
		"cas_required":         {Type: framework.TypeBool, Description: "If true the key will require the cas parameter to be set on all write requests. If false, the backend’s configuration will be used."},
		"delete_version_after": {Type: framework.TypeDurationSecond, Description: "The length of time before a version is deleted. If not set, the backend's configured delete_version_after is used. Cannot be greater than the backend's delete_version_after. A zero duration clears the current setting. A negative duration will cause an error."},
		"custom_metadata":      {Type: framework.TypeMap, Description: "User-provided key-value pairs that are used to describe arbitrary and version-agnostic information about a secret."},
	}
)

// casOption reads options.cas; nil when absent. Its value is decoded as
// Vault decodes it (weakly, into an integer).
func casOption(req *framework.Request) (*int64, error) {
	opts, ok := req.MapOk("options")
	if !ok {
		return nil, nil
	}
	v, ok := opts["cas"]
	if !ok {
		return nil, nil
	}
	n, err := framework.Coerce(framework.TypeInt, v)
	if err != nil {
		return nil, framework.BadRequest("error parsing check-and-set parameter")
	}
	cas := int64(n.(int))
	return &cas, nil
}

// versionsField reads "versions" (Vault's comma-int-slice: a JSON list of
// numbers or numeric strings, a single number, or "1,2,3"). Negative
// numbers name no version and are dropped.
func versionsField(req *framework.Request) []uint64 {
	var out []uint64
	for _, n := range req.Ints("versions") {
		if n > 0 {
			out = append(out, uint64(n))
		}
	}
	return out
}

// uint32Field reads a non-negative integer that fits in 32 bits; nil when
// absent.
func uint32Field(req *framework.Request, key string) (*uint32, error) {
	n, ok := req.IntOk(key)
	if !ok {
		return nil, nil
	}
	if n < 0 || int64(n) > math.MaxUint32 {
		return nil, framework.BadRequest("field %q: must be between 0 and %d", key, uint32(math.MaxUint32))
	}
	v := uint32(n)
	return &v, nil
}

// customMetadataField reads custom_metadata as Vault does: values are
// decoded weakly into strings; with allowNull (PATCH) a null value means
// "remove this key". present reports whether the field was given at all,
// cleared whether it was given as null.
func customMetadataField(req *framework.Request, allowNull bool) (m map[string]*string, present, cleared bool, err error) {
	raw, ok := req.Data["custom_metadata"]
	if !ok {
		return nil, false, false, nil
	}
	if raw == nil {
		return nil, true, true, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, true, false, framework.BadRequest("custom_metadata validation failed: expected a map")
	}
	m = make(map[string]*string, len(obj))
	for k, v := range obj {
		if v == nil && allowNull {
			m[k] = nil
			continue
		}
		s, err := framework.Coerce(framework.TypeString, v)
		if err != nil {
			return nil, true, false, framework.BadRequest("custom_metadata validation failed: value for key %q is not a string", k)
		}
		str := s.(string)
		m[k] = &str
	}
	return m, true, false, nil
}

// versionParam reads the version a read asks for (0: the current one).
func versionParam(req *framework.Request) uint64 {
	return uint64(max(req.Int("version"), 0))
}

// withPath adds the path variable to a path's fields.
func withPath(fields map[string]*framework.FieldSchema) map[string]*framework.FieldSchema {
	out := map[string]*framework.FieldSchema{"path": pathField}
	for k, v := range fields {
		out[k] = v
	}
	return out
}

func optBool(req *framework.Request, key string) *bool {
	v, ok := req.BoolOk(key)
	if !ok {
		return nil
	}
	return &v
}

func optDuration(req *framework.Request, key string) *time.Duration {
	v, ok := req.DurationOk(key)
	if !ok {
		return nil
	}
	return &v
}
