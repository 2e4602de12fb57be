package clientcmd

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// kvPath is a KV secret location after the mount preflight.
type kvPath struct {
	mount string // mount path as the server reports it, e.g. "secret/"
	full  string // mount plus secret path, e.g. "secret/foo"
	v2    bool
}

// api returns the path to call. KV v2 puts an API prefix (data, metadata,
// delete, undelete, destroy) between the mount and the secret path; v1
// paths are used as they are.
func (k kvPath) api(prefix string) string {
	if !k.v2 {
		return k.full
	}
	mount := strings.TrimSuffix(k.mount, "/")
	if k.full == mount {
		return path.Join(mount, prefix)
	}
	return path.Join(mount, prefix, strings.TrimPrefix(k.full, mount+"/"))
}

// resolveKV supports both of Vault's shapes: "-mount=secret foo" and
// "secret/foo". Either way the server is asked which mount owns the path
// and which KV version it runs, so any mount path works.
func resolveKV(ctx context.Context, c *api.Client, mountFlag, arg string) (kvPath, error) {
	if mountFlag != "" {
		m := sanitizePath(mountFlag)
		mount, v2, err := kvPreflight(ctx, c, m)
		if mount == "" {
			mount = m + "/"
		}
		return kvPath{mount: mount, full: path.Join(mount, sanitizePath(arg)), v2: v2}, err
	}
	p := sanitizePath(arg)
	mount, v2, err := kvPreflight(ctx, c, p)
	return kvPath{mount: mount, full: p, v2: v2}, err
}

// resolveKVArg is resolveKV for a command: a failure is exit 2 with the
// error's own text.
func resolveKVArg(ctx context.Context, c *api.Client, mountFlag, arg string) (kvPath, error) {
	kp, err := resolveKV(ctx, c, mountFlag, arg)
	if err != nil {
		return kvPath{}, fail(2, "%s", err)
	}
	return kp, nil
}

// kvPreflight asks GET sys/internal/ui/mounts/<path> for the owning mount
// and its options.version, as the Vault CLI does. A 404 means a server
// without the endpoint, which can only have KV v1.
func kvPreflight(ctx context.Context, c *api.Client, p string) (string, bool, error) {
	type answer struct {
		resp *api.Response
		err  error
	}
	got := withoutDryRun(c, func() answer {
		resp, err := c.Logical().ReadRawWithContext(ctx, "sys/internal/ui/mounts/"+p)
		return answer{resp, err}
	})
	resp, err := got.resp, got.err
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return "", false, nil
		}
		return "", false, err
	}
	secret, err := api.ParseSecret(resp.Body)
	if err != nil {
		return "", false, err
	}
	if secret == nil {
		return "", false, errNilPreflight
	}
	mount, _ := secret.Data["path"].(string)
	opts, _ := secret.Data["options"].(map[string]any)
	var version string
	switch v := opts["version"].(type) {
	case string:
		version = v
	case json.Number:
		version = v.String()
	}
	return mount, version == "2", nil
}

var errNilPreflight = errors.New("nil response from pre-flight request")

// listKeys extracts the "keys" of a LIST response.
func listKeys(s *api.Secret) ([]string, bool) {
	if s == nil {
		return nil, false
	}
	raw, ok := s.Data["keys"].([]any)
	if !ok {
		return nil, false
	}
	keys := make([]string, 0, len(raw))
	for _, k := range raw {
		if ks, ok := k.(string); ok {
			keys = append(keys, ks)
		}
	}
	return keys, true
}

// printList prints a LIST result with Vault's messages for empty results.
func printList(o *output, p string, s *api.Secret, err error) error {
	if err != nil {
		return fail(2, "Error listing %s: %s", p, err)
	}
	keys, ok := listKeys(s)
	if !o.isTable() && !ok {
		if err := o.json(map[string]any{}); err != nil {
			return err
		}
		return &ExitError{Code: 2}
	}
	if s == nil || s.Data == nil {
		return fail(2, "No value found at %s", p)
	}
	if !ok {
		return fail(2, "No entries found at %s", p)
	}
	return o.keys(s, keys)
}

func addMountFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "mount", "", `KV mount path; the argument is then the secret path within it ("-mount=secret foo" instead of "secret/foo")`)
}

func addFieldFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "field", "", "Print only this field's value, undecorated")
}
