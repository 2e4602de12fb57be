package e2e_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/engines/audit"
	"github.com/cofferhq/coffer/events/auditevent"
	"github.com/cofferhq/coffer/internal/testkit"
	"github.com/cofferhq/coffer/node"
)

// failUntilThrottled logs in with a wrong credential until the limiter
// answers 429 and returns how many failures it took (at most max).
func failUntilThrottled(t *testing.T, login func() error, max int) int {
	t.Helper()
	for n := 0; n < max; n++ {
		err := login()
		var re *vault.ResponseError
		require.ErrorAs(t, err, &re)
		if re.StatusCode == http.StatusTooManyRequests {
			return n
		}
		require.Equal(t, http.StatusBadRequest, re.StatusCode, "errors: %v", re.Errors)
	}
	return max
}

// TestLoginRateLimitIsConfigurable: the login_rate_limit mount option
// (set at enable, changed by tune) sets the failures a source may make
// against one user before backing off; "off" disables the limiter; a
// malformed value is refused with its reason. Failed logins reach the
// audit device without the password.
func TestLoginRateLimitIsConfigurable(t *testing.T) {
	auditFile := filepath.Join(t.TempDir(), "audit.log")
	n := startNode(t, func(c *node.Config) {
		c.Audit = audit.Config{Devices: []auditevent.Device{{Path: "file", Type: "file", Options: map[string]string{"file_path": auditFile}}}}
	})
	root := client(t, n, rootToken)
	require.NoError(t, root.Sys().EnableAuthWithOptions("userpass", &vault.EnableAuthOptions{Type: "userpass",
		Options: map[string]string{"login_rate_limit": "3/1m"}}))
	for _, name := range []string{"victim", "bystander"} {
		_, err := root.Logical().Write("auth/userpass/users/"+name, map[string]any{"password": "right-" + name})
		require.NoError(t, err)
	}
	anon := client(t, n, "")
	guess := func() error {
		_, err := anon.Logical().Write("auth/userpass/login/victim", map[string]any{"password": "wrong-guess-canary"})
		return err
	}
	failures := failUntilThrottled(t, guess, 20)
	assert.GreaterOrEqual(t, failures, 3, "the configured burst is tolerated")
	assert.LessOrEqual(t, failures, 4, "then the guesser stalls (a refill every 20 s)")
	resp, err := http.Post(n.Addr+"/v1/auth/userpass/login/victim", "application/json", strings.NewReader(`{"password":"right-victim"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.InDelta(t, 20, secs, 2, "Retry-After is the configured refill interval")
	_, err = anon.Logical().Write("auth/userpass/login/bystander", map[string]any{"password": "right-bystander"})
	require.NoError(t, err, "a success on another user is never delayed")

	// Failed logins are in the audit trail, the password only as an HMAC.
	testkit.Eventually(t, 10*time.Second, "failed logins audited", func() bool {
		raw, _ := os.ReadFile(auditFile)
		return bytes.Count(raw, []byte("invalid username or password")) >= 3 && bytes.Contains(raw, []byte("rate limit quota exceeded"))
	})
	raw, err := os.ReadFile(auditFile)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "wrong-guess-canary")
	assert.NotContains(t, string(raw), "right-victim")

	// Off: no throttling at all.
	require.NoError(t, root.Sys().TuneMount("auth/userpass", vault.MountConfigInput{Options: map[string]string{"login_rate_limit": "off"}}))
	assert.Equal(t, 15, failUntilThrottled(t, guess, 15), "login_rate_limit=off disables the limiter")

	// A malformed value names itself.
	require.NoError(t, root.Sys().TuneMount("auth/userpass", vault.MountConfigInput{Options: map[string]string{"login_rate_limit": "ten"}}))
	_, err = anon.Logical().Write("auth/userpass/login/bystander", map[string]any{"password": "right-bystander"})
	re := requireRefusal(t, err, http.StatusBadRequest, "")
	assert.Contains(t, strings.Join(re.Errors, " "), "login_rate_limit")
}

// TestAppRoleFailuresNeverDelayAnotherRole: a source that exhausted its
// failures against one role logs in to another at once.
func TestAppRoleFailuresNeverDelayAnotherRole(t *testing.T) {
	n := startNode(t)
	root := client(t, n, rootToken)
	require.NoError(t, root.Sys().EnableAuthWithOptions("approle", &vault.EnableAuthOptions{Type: "approle",
		Options: map[string]string{"login_rate_limit": "2/1m"}}))
	roleIDs := map[string]string{}
	for _, name := range []string{"target", "other"} {
		_, err := root.Logical().Write("auth/approle/role/"+name, map[string]any{"token_policies": "default"})
		require.NoError(t, err)
		s, err := root.Logical().Read("auth/approle/role/" + name + "/role-id")
		require.NoError(t, err)
		roleIDs[name] = s.Data["role_id"].(string)
	}
	sid, err := root.Logical().Write("auth/approle/role/other/secret-id", nil)
	require.NoError(t, err)
	anon := client(t, n, "")
	failures := failUntilThrottled(t, func() error {
		_, err := anon.Logical().Write("auth/approle/login", map[string]any{"role_id": roleIDs["target"], "secret_id": "not-a-secret-id"})
		return err
	}, 10)
	require.Less(t, failures, 10, "the target role is throttled")
	start := time.Now()
	login, err := anon.Logical().Write("auth/approle/login", map[string]any{"role_id": roleIDs["other"], "secret_id": sid.Data["secret_id"]})
	require.NoError(t, err, "a success on another role is never delayed")
	require.NotEmpty(t, login.Auth.ClientToken)
	assert.Less(t, time.Since(start), 5*time.Second)
}
