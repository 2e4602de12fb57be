package cliargs

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"long flag with value", []string{"kv", "get", "-format=json", "secret/foo"}, []string{"kv", "get", "--format=json", "secret/foo"}},
		{"long bool flag", []string{"token", "revoke", "-self"}, []string{"token", "revoke", "--self"}},
		{"value as next arg", []string{"kv", "get", "-mount", "secret", "foo"}, []string{"kv", "get", "--mount", "secret", "foo"}},
		{"double dash untouched", []string{"--format=json", "--x"}, []string{"--format=json", "--x"}},
		{"shorthand untouched", []string{"-f", "-h", "-i=1h"}, []string{"-f", "-h", "-i=1h"}},
		{"stdin dash untouched", []string{"write", "secret/foo", "-"}, []string{"write", "secret/foo", "-"}},
		{"kv args untouched", []string{"a=-b", "c=--d", "@file.json"}, []string{"a=-b", "c=--d", "@file.json"}},
		{"negative numbers untouched", []string{"-1", "-10", "-1.5", "-.5"}, []string{"-1", "-10", "-1.5", "-.5"}},
		{"flag with negative value", []string{"-cas=-1"}, []string{"--cas=-1"}},
		{"after terminator untouched", []string{"-format=json", "--", "-field=x", "-y"}, []string{"--format=json", "--", "-field=x", "-y"}},
		{"empty", []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Normalize(tt.in))
		})
	}
}
