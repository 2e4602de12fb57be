package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAuditBlocks: audit devices are declared in the config as OpenBao
// does (`audit "file" "<path>" { options { ... } }`), and API enablement
// is off unless unsafe_allow_api_audit_creation says otherwise.
func TestAuditBlocks(t *testing.T) {
	cfg, err := Parse([]byte(base+`
audit "file" "main" {
  description = "every request"
  options {
    file_path = "/var/log/coffer/audit.log"
    mode      = "0600"
  }
}
audit "file" "copy" {
  options = { file_path = "stdout", format = "json" }
}
`), "coffer.hcl", nil)
	require.NoError(t, err)
	require.False(t, cfg.UnsafeAllowAPIAuditCreation)
	require.Equal(t, []Audit{
		{Type: "file", Path: "main", Description: "every request", Options: map[string]string{"file_path": "/var/log/coffer/audit.log", "mode": "0600"}},
		{Type: "file", Path: "copy", Options: map[string]string{"file_path": "stdout", "format": "json"}},
	}, cfg.Audit)

	cfg, err = Parse([]byte(base+"unsafe_allow_api_audit_creation = true\n"), "coffer.hcl", nil)
	require.NoError(t, err)
	require.True(t, cfg.UnsafeAllowAPIAuditCreation)

	for name, src := range map[string]string{
		"not file":      `audit "socket" "s" { options { address = "x:1" } }`,
		"no file_path":  `audit "file" "f" { description = "x" }`,
		"relative path": `audit "file" "f" { options { file_path = "audit.log" } }`,
		"duplicate":     `audit "file" "f" { options { file_path = "stdout" } }` + "\n" + `audit "file" "f" { options { file_path = "discard" } }`,
	} {
		_, err := Parse([]byte(base+src+"\n"), "coffer.hcl", nil)
		require.ErrorIs(t, err, ErrInvalid, name)
	}
}
