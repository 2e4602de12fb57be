package token

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSanitizePolicies(t *testing.T) {
	tests := []struct {
		name       string
		in         []string
		addDefault bool
		want       []string
	}{
		{"sorted, lowered, trimmed, deduplicated", []string{" B", "a", "b", ""}, false, []string{"a", "b"}},
		{"default added", []string{"app"}, true, []string{"app", "default"}},
		{"default not doubled", []string{"default", "app"}, true, []string{"app", "default"}},
		{"root swallows the rest", []string{"app", "root", "x"}, true, []string{"root"}},
		{"empty with default", nil, true, []string{"default"}},
		{"empty without default", nil, false, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, SanitizePolicies(tc.in, tc.addDefault))
		})
	}
}
