package kv

import (
	"fmt"
	"slices"
	"unicode"
)

// Vault's limits on custom_metadata.
const (
	maxCustomMetadataKeys        = 64
	maxCustomMetadataKeyLength   = 128
	maxCustomMetadataValueLength = 512
)

// ValidateCustomMetadata checks custom_metadata as Vault does and reports
// every problem at once. Messages name keys, never values.
func ValidateCustomMetadata(cm map[string]string) error {
	if n := len(cm); n > maxCustomMetadataKeys {
		return &CustomMetadataError{Problems: []string{fmt.Sprintf("payload must contain at most %d keys, provided %d", maxCustomMetadataKeys, n)}}
	}
	keys := make([]string, 0, len(cm))
	for k := range cm {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var problems []string
	for _, k := range keys {
		v := cm[k]
		if n := len(k); n == 0 || n > maxCustomMetadataKeyLength {
			problems = append(problems, fmt.Sprintf("length of key %q is %d but must be 0 < len(key) <= %d", k, n, maxCustomMetadataKeyLength))
		}
		if n := len(v); n == 0 || n > maxCustomMetadataValueLength {
			problems = append(problems, fmt.Sprintf("length of value for key %q is %d but must be 0 < len(value) <= %d", k, n, maxCustomMetadataValueLength))
		}
		if !printable(k) {
			problems = append(problems, fmt.Sprintf("key %q contains unprintable characters", k))
		}
		if !printable(v) {
			problems = append(problems, fmt.Sprintf("value for key %q contains unprintable characters", k))
		}
	}
	if problems != nil {
		return &CustomMetadataError{Problems: problems}
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
