package database

import (
	"time"

	"github.com/cofferhq/coffer/engines/framework"
)

// Optional field readers: nil when the field is absent, as the commands'
// merge-on-update rules need.

func optString(req *framework.Request, key string) (*string, error) {
	v, ok, err := req.String(key)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}

func optInt(req *framework.Request, key string) (*int, error) {
	v, ok, err := req.Int(key)
	if err != nil || !ok {
		return nil, err
	}
	n := int(v)
	return &n, nil
}

func optBool(req *framework.Request, key string) (*bool, error) {
	v, ok, err := req.Bool(key)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}

func optDuration(req *framework.Request, key string) (*time.Duration, error) {
	v, ok, err := req.Duration(key)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}

// optCommaList reads a list given as a JSON array or a comma-separated
// string (Vault's TypeCommaStringSlice: allowed_roles).
func optCommaList(req *framework.Request, key string) (*[]string, error) {
	v, ok, err := req.StringSlice(key)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}

// optStatements reads statements given as a JSON array of strings or as
// one string (Vault's TypeStringSlice): a string is never split on commas,
// which SQL is full of; the plugin splits statements on semicolons.
func optStatements(req *framework.Request, key string) (*[]string, error) {
	v, ok := req.Data[key]
	if !ok || v == nil {
		return nil, nil
	}
	switch t := v.(type) {
	case string:
		out := []string{t}
		return &out, nil
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, framework.BadRequest("field %q: expected a string or a list of strings", key)
			}
			out = append(out, s)
		}
		return &out, nil
	}
	return nil, framework.BadRequest("field %q: expected a string or a list of strings", key)
}

// orEmpty makes a nil list an empty one, as Vault reads lists.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
