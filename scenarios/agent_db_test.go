package scenarios_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/testpg"
	"github.com/cofferhq/coffer/scenarios/harness"
)

// The seed tutorial's agent template.
const tutorialAgentTemplate = `{{- with secret "database/creds/myapp-readwrite" -}}
DB_USERNAME={{ .Data.username }}
DB_PASSWORD={{ .Data.password }}
{{- end -}}`

func credsOf(t *testing.T, content string) (user, password string) {
	t.Helper()
	for _, line := range strings.Split(content, "\n") {
		if v, ok := strings.CutPrefix(line, "DB_USERNAME="); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(line, "DB_PASSWORD="); ok {
			password = v
		}
	}
	require.NotEmpty(t, user, content)
	require.NotEmpty(t, password, content)
	return user, password
}

func hasCreds(s string) bool {
	return strings.Contains(s, "DB_USERNAME=") && strings.Contains(s, "DB_PASSWORD=")
}

// loginWith proves PostgreSQL accepts the rendered credentials.
func loginWith(t *testing.T, pg *testpg.Cluster, user, password string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pg.Connect(ctx, user, password, testpg.Database)
	require.NoError(t, err, "the rendered credentials log in")
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM public."+testpg.Table).Scan(&n))
}

// agentLease is the one lease the agent holds under the tutorial's role.
func agentLease(t *testing.T, c *vault.Client) string {
	t.Helper()
	var id string
	harness.Eventually(t, 10*time.Second, 20*time.Millisecond, func() error {
		sec, err := c.Logical().List("sys/leases/lookup/database/creds/myapp-readwrite/")
		if err != nil {
			return err
		}
		if sec == nil {
			return fmt.Errorf("no lease")
		}
		keys, _ := sec.Data["keys"].([]any)
		if len(keys) != 1 {
			return fmt.Errorf("want one lease, have %v", keys)
		}
		id = "database/creds/myapp-readwrite/" + keys[0].(string)
		return nil
	})
	return id
}

func expireTime(t *testing.T, c *vault.Client, leaseID string) time.Time {
	t.Helper()
	sec, err := c.Logical().Write("sys/leases/lookup", map[string]any{"lease_id": leaseID})
	require.NoError(t, err)
	at, err := time.Parse(time.RFC3339Nano, sec.Data["expire_time"].(string))
	require.NoError(t, err)
	return at
}

// TestAgentDatabaseCredsTutorial is the tutorial's sidecar without
// Kubernetes: the agent renders /vault/secrets/db-creds (here a temp dir)
// with credentials PostgreSQL accepts, renews their lease, and rewrites the
// file with new credentials within a second of the lease's revocation.
func TestAgentDatabaseCredsTutorial(t *testing.T) {
	s := start(t)
	pg := testpg.Start(t)
	tutorialDatabase(t, s, pg, "6s")
	root := s.Client(t)
	dir := t.TempDir()
	writeToken(t, dir, appToken(t, root, "1h"))
	a := startAgent(t, s, dir, tokenFileConfig(s.Addr, fmt.Sprintf(`
template {
  destination = "{{DIR}}/db-creds"
  contents = %s
}`, mustJSON(tutorialAgentTemplate))))
	file := filepath.Join(dir, "db-creds")
	content, _ := waitFor(t, file, 30*time.Second, hasCreds)
	user, password := credsOf(t, content)
	loginWith(t, pg, user, password)

	// Renewed at about two thirds of its 6 s: the expiry moves on while
	// the file (and the PostgreSQL role) stay the same.
	leaseID := agentLease(t, root)
	first := expireTime(t, root, leaseID)
	harness.Eventually(t, 15*time.Second, 100*time.Millisecond, func() error {
		if at := expireTime(t, root, leaseID); !at.After(first) {
			return fmt.Errorf("expire_time still %s", at)
		}
		return nil
	})
	_, _ = waitFor(t, file, time.Second, equals(content))
	require.True(t, pg.RoleExists(t, user))

	// Revoked: new credentials within a second, pushed by the lease event.
	_, stderr, code := s.CLI(t, "lease", "revoke", "-sync", leaseID)
	require.Equal(t, 0, code, stderr)
	require.False(t, pg.RoleExists(t, user))
	fresh, took := waitFor(t, file, time.Second, func(s string) bool { return hasCreds(s) && s != content })
	t.Logf("new credentials rendered %s after the revocation returned", took.Round(time.Millisecond))
	user2, password2 := credsOf(t, fresh)
	require.NotEqual(t, user, user2)
	loginWith(t, pg, user2, password2)
	for _, secret := range []string{password, password2} {
		require.NotContains(t, a.out.String(), secret, "a password reached the agent's log")
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
