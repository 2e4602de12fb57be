package clientcmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// parseArgsData turns Vault CLI data arguments into a request body. It
// accepts k=v, k=@file (file contents), k=\@v (literal "@v"), k=- (stdin),
// a lone "-" (a JSON object on stdin) and @file (a JSON object in a file).
// Repeating a key collects its values into a list, as Vault's kvbuilder does.
func parseArgsData(stdin io.Reader, args []string) (map[string]any, error) {
	result := map[string]any{}
	stdinUsed := false
	readStdin := func() ([]byte, error) {
		if stdin == nil {
			return nil, fmt.Errorf("stdin is not supported")
		}
		if stdinUsed {
			return nil, fmt.Errorf("stdin already consumed")
		}
		stdinUsed = true
		return io.ReadAll(stdin)
	}
	for _, raw := range args {
		if err := addArg(result, raw, readStdin); err != nil {
			return nil, fmt.Errorf("invalid key/value pair %q: %w", raw, err)
		}
	}
	return result, nil
}

func addArg(result map[string]any, raw string, readStdin func() ([]byte, error)) error {
	switch {
	case raw == "-":
		b, err := readStdin()
		if err != nil {
			return err
		}
		return mergeJSON(result, b)
	case strings.HasPrefix(raw, "@"):
		b, err := os.ReadFile(raw[1:])
		if err != nil {
			return err
		}
		return mergeJSON(result, b)
	}
	key, value, ok := strings.Cut(raw, "=")
	if !ok {
		return fmt.Errorf("format must be key=value")
	}
	switch {
	case strings.HasPrefix(value, "@"):
		b, err := os.ReadFile(value[1:])
		if err != nil {
			return fmt.Errorf("error reading file: %w", err)
		}
		value = string(b)
	case strings.HasPrefix(value, `\@`):
		value = value[1:]
	case value == "-":
		b, err := readStdin()
		if err != nil {
			return err
		}
		value = string(b)
	}
	if existing, ok := result[key]; ok {
		list, isList := existing.([]any)
		if !isList {
			list = []any{existing}
		}
		result[key] = append(list, value)
		return nil
	}
	result[key] = value
	return nil
}

// mergeJSON decodes a JSON object into result, keeping numbers as
// json.Number so integers are sent back unchanged rather than as floats.
func mergeJSON(result map[string]any, b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(&result)
}

// toQuery converts parsed data arguments into URL query values, which is how
// Vault's read and delete commands send their extra arguments.
func toQuery(data map[string]any) map[string][]string {
	if len(data) == 0 {
		return nil
	}
	q := make(map[string][]string, len(data))
	for k, v := range data {
		if list, ok := v.([]any); ok {
			for _, item := range list {
				q[k] = append(q[k], fmt.Sprint(item))
			}
			continue
		}
		q[k] = []string{fmt.Sprint(v)}
	}
	return q
}

// parseKVFlags turns repeated k=v flag values (-metadata, -options,
// -custom-metadata) into a map.
func parseKVFlags(flag string, values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(values))
	for _, v := range values {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid -%s value %q: format must be key=value", flag, v)
		}
		m[k] = val
	}
	return m, nil
}

// parseDuration accepts what Vault's duration flags accept: Go durations,
// a bare number of seconds, or a number of days with a "d" suffix.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseInt(days, 10, 64); err == nil {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return d, nil
}

// splitVersions flattens -versions=1,2 -versions=3 into ["1","2","3"]; Vault
// sends them as strings and the server accepts either form.
func splitVersions(values []string) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func sanitizePath(p string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(p), "/"), "/")
}

func ensureTrailingSlash(p string) string {
	if p == "" || strings.HasSuffix(p, "/") {
		return p
	}
	return p + "/"
}
