package clientcmd

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOutputCurlString: the command prints its real request as curl and
// sends nothing but the KV preflight (which Vault's CLI runs too); the
// token never appears, only the command that prints it.
func TestOutputCurlString(t *testing.T) {
	tests := []struct {
		args      []string
		want      string
		preflight bool
	}{
		{[]string{"kv", "put", "secret/foo", "a=b"}, `curl -X PUT -H "X-Vault-Request: true" -H "X-Vault-Token: $(coffer print token)" -d '{"data":{"a":"b"},"options":{}}' URL/v1/secret/data/foo`, true},
		{[]string{"kv", "get", "-version=2", "secret/foo"}, `curl -H "X-Vault-Request: true" -H "X-Vault-Token: $(coffer print token)" URL/v1/secret/data/foo?version=2`, true},
		{[]string{"read", "transit/keys/k"}, `curl -H "X-Vault-Request: true" -H "X-Vault-Token: $(coffer print token)" URL/v1/transit/keys/k`, false},
		{[]string{"write", "transit/keys/k", "type=aes256-gcm96"}, `curl -X PUT -H "X-Vault-Request: true" -H "X-Vault-Token: $(coffer print token)" -d '{"type":"aes256-gcm96"}' URL/v1/transit/keys/k`, false},
		{[]string{"delete", "secret/data/x"}, `curl -X DELETE -H "X-Vault-Request: true" -H "X-Vault-Token: $(coffer print token)" URL/v1/secret/data/x`, false},
		{[]string{"policy", "read", "p"}, `curl -H "X-Vault-Request: true" -H "X-Vault-Token: $(coffer print token)" URL/v1/sys/policies/acl/p`, false},
		{[]string{"lease", "revoke", "db/creds/r/1"}, `curl -X PUT -H "X-Vault-Request: true" -H "X-Vault-Token: $(coffer print token)" -d '{"sync":false}' URL/v1/sys/leases/revoke/db/creds/r/1`, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f := newFakeServer(t)
			out, stderr, code := runCLI("", append(tt.args, "-output-curl-string")...)
			require.Equal(t, 0, code, stderr)
			// The api package writes headers in map order.
			assert.Equal(t, headersSorted(strings.ReplaceAll(tt.want, "URL", f.URL)), headersSorted(strings.TrimSuffix(out, "\n")))
			assert.True(t, strings.HasSuffix(out, "\n"))
			assert.NotContains(t, out, "test-token")
			var sent []string
			for _, r := range f.requests() {
				sent = append(sent, r.Method+" "+r.Path)
			}
			if tt.preflight {
				require.Len(t, sent, 1, "only the preflight may reach the server: %v", sent)
				assert.Contains(t, sent[0], "/v1/sys/internal/ui/mounts/")
			} else {
				assert.Empty(t, sent, "a dry run sent requests")
			}
		})
	}
}

func TestOutputPolicy(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"kv", "get", "secret/foo"}, `path "secret/data/foo" {` + "\n" + `  capabilities = ["read"]` + "\n}"},
		{[]string{"kv", "put", "secret/foo", "a=b"}, `path "secret/data/foo" {` + "\n" + `  capabilities = ["create", "update"]` + "\n}"},
		{[]string{"kv", "list", "secret/dir"}, `path "secret/metadata/dir" {` + "\n" + `  capabilities = ["list"]` + "\n}"},
		{[]string{"delete", "secret/data/x"}, `path "secret/data/x" {` + "\n" + `  capabilities = ["delete"]` + "\n}"},
		{[]string{"policy", "list"}, `path "sys/policies/acl" {` + "\n" + `  capabilities = ["list"]` + "\n}"},
		// The api package knows Vault's sudo paths.
		{[]string{"audit", "list"}, `path "sys/audit" {` + "\n" + `  capabilities = ["read", "sudo"]` + "\n}"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			newFakeServer(t)
			out, stderr, code := runCLI("", append(tt.args, "-output-policy")...)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, tt.want+"\n", out)
		})
	}
}

func TestDryRunFlagsConflict(t *testing.T) {
	f := newFakeServer(t)
	_, stderr, code := runCLI("", "kv", "get", "-output-policy", "-output-curl-string", "secret/foo")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "cannot be used together")
	assert.Empty(t, f.requests())
}

// TestEveryClientCommandHasTheDryRunFlags walks the whole command tree.
func TestEveryClientCommandHasTheDryRunFlags(t *testing.T) {
	root := &cobra.Command{Use: "coffer"}
	Register(root, &strings.Builder{}, &strings.Builder{})
	n := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() {
			n++
			for _, name := range []string{"output-curl-string", "output-policy"} {
				assert.NotNil(t, c.Flag(name), "%s has no -%s", c.CommandPath(), name)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	for _, c := range root.Commands() {
		walk(c)
	}
	assert.Greater(t, n, 30, "walked too few commands")
}

func TestPrintToken(t *testing.T) {
	newFakeServer(t)
	out, stderr, code := runCLI("", "print", "token")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "test-token\n", out)
}

func TestCompletion(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "__start_coffer", "zsh": "#compdef coffer", "fish": "complete -c coffer"} {
		out, stderr, code := runCLI("", "completion", shell)
		require.Equal(t, 0, code, "%s: %s", shell, stderr)
		assert.Contains(t, out+stderr, marker, shell)
	}
}

// headersSorted moves a curl line's -H options, sorted, to its end.
func headersSorted(curl string) string {
	re := regexp.MustCompile(`-H "[^"]*" `)
	headers := re.FindAllString(curl, -1)
	slices.Sort(headers)
	return re.ReplaceAllString(curl, "") + " | " + strings.Join(headers, "")
}
