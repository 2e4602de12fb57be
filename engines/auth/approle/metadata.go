package approle

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// ParseMetadata reads a secret ID's metadata as Vault's
// strutil.ParseArbitraryKeyValues: a JSON object, base64 of one, or
// comma-separated key=value pairs (lower-cased). A key without a value is
// refused.
func ParseMetadata(in string) (map[string]string, error) {
	out := map[string]string{}
	in = strings.TrimSpace(in)
	if in == "" {
		return out, nil
	}
	if b, err := base64.StdEncoding.DecodeString(in); err == nil {
		in = string(b)
	}
	if err := json.Unmarshal([]byte(in), &out); err != nil {
		// key=value pairs are lower-cased, as Vault's ParseKeyValues does.
		out = map[string]string{}
		for _, kv := range strings.Split(in, ",") {
			kv = strings.ToLower(strings.TrimSpace(kv))
			if kv == "" {
				continue
			}
			parts := strings.Split(kv, "=")
			if len(parts) != 2 {
				return nil, fmt.Errorf("failed to parse the input: invalid <key,value> format")
			}
			k, v := strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
			if k == "" || v == "" {
				return nil, fmt.Errorf("failed to parse the input: invalid <key,value> pair: key: %q value: %q", k, v)
			}
			out[k] = v
		}
	}
	for k, v := range out {
		if k != "" && v == "" {
			return nil, fmt.Errorf("invalid value for key %q", k)
		}
	}
	return out, nil
}
