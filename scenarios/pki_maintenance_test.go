package scenarios_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/scenarios/harness"
)

// TestPKIAutoTidyRunsOnTheElectedNode: with config/auto-tidy on, the
// node's elected maintenance service removes an expired certificate by
// itself, and tidy-status reports the automatic run.
func TestPKIAutoTidyRunsOnTheElectedNode(t *testing.T) {
	s := start(t)
	c := s.Client(t)
	ctx := t.Context()
	require.NoError(t, c.Sys().MountWithContext(ctx, "pki", &vault.MountInput{Type: "pki", Config: vault.MountConfigInput{MaxLeaseTTL: "87600h"}}))
	w := func(path string, data map[string]any) *vault.Secret {
		t.Helper()
		sec, err := c.Logical().WriteWithContext(ctx, path, data)
		require.NoError(t, err, path)
		return sec
	}
	w("pki/root/generate/internal", map[string]any{"common_name": "Tidy Root", "ttl": "8760h", "key_type": "ec"})
	w("pki/roles/short", map[string]any{"allow_any_name": true, "key_type": "ec", "max_ttl": "1h"})
	expiring := w("pki/issue/short", map[string]any{"common_name": "short.example", "ttl": "1s"}).Data["serial_number"].(string)
	kept := w("pki/issue/short", map[string]any{"common_name": "kept.example", "ttl": "1h"}).Data["serial_number"].(string)
	w("pki/config/auto-tidy", map[string]any{"enabled": true, "interval_duration": "1s", "tidy_cert_store": true, "safety_buffer": "1s"})

	listed := func() []string {
		sec, err := c.Logical().ListWithContext(ctx, "pki/certs")
		require.NoError(t, err)
		var out []string
		for _, k := range sec.Data["keys"].([]any) {
			out = append(out, k.(string))
		}
		return out
	}
	require.Contains(t, listed(), expiring)
	harness.Eventually(t, 90*time.Second, 500*time.Millisecond, func() error {
		if l := listed(); slices.Contains(l, expiring) {
			return fmt.Errorf("%s still listed: %v", expiring, l)
		}
		return nil
	})
	require.Contains(t, listed(), kept)
	st, err := c.Logical().ReadWithContext(ctx, "pki/tidy-status")
	require.NoError(t, err)
	require.NotEmpty(t, st.Data["last_auto_tidy_finished"])
}
