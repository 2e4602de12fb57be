package clientcmd

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

func (a *app) kvCmd() *cobra.Command {
	return commandGroup("kv", "Interact with KV secrets engines (v1 and v2)",
		a.kvPutCmd(), a.kvGetCmd(), a.kvPatchCmd(), a.kvListCmd(),
		a.kvDeleteCmd(), a.kvVersionsCmd("undelete"), a.kvVersionsCmd("destroy"),
		a.kvMetadataCmd(), a.kvEnableVersioningCmd())
}

func (a *app) kvPutCmd() *cobra.Command {
	var mount, field string
	var cas int
	cmd := &cobra.Command{
		Use:   "put [flags] PATH K=V...",
		Short: "Write a secret, creating a new version on KV v2",
		Args:  nArgs(1, -1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		if len(args) == 1 {
			return fail(1, "Must supply data")
		}
		data, err := argsData(cmd, args)
		if err != nil {
			return err
		}
		kp, err := resolveKVArg(ctx, c, mount, args[0])
		if err != nil {
			return err
		}
		p := kp.api("data")
		if kp.v2 {
			opts := map[string]any{}
			if cas > -1 {
				opts["cas"] = cas
			}
			data = map[string]any{"data": data, "options": opts}
		}
		secret, err := c.Logical().WriteWithContext(ctx, p, data)
		return kvWritten(o, kp, p, field, secret, err)
	})
	addMountFlag(cmd, &mount)
	addFieldFlag(cmd, &field)
	cmd.Flags().IntVar(&cas, "cas", -1, "Check-and-set: write only if the current version matches (0 = only if absent)")
	return cmd
}

// kvWritten reports a put or patch the way Vault does: the new version's
// metadata under the secret path on v2, a plain success line otherwise.
func kvWritten(o *output, kp kvPath, p, field string, secret *api.Secret, err error) error {
	if err == nil && secret != nil && field == "" && o.isTable() && kp.v2 {
		o.warnings(secret)
		o.pathBanner("Secret Path", p)
		o.infof("%s", headerForMap("Metadata", secret.Data))
		return o.data(secret.Data)
	}
	return printWritten(o, p, field, secret, err)
}

func (a *app) kvGetCmd() *cobra.Command {
	var mount, field string
	var version int
	cmd := &cobra.Command{
		Use:   "get [flags] PATH",
		Short: "Read a secret (optionally an older version)",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		kp, err := resolveKVArg(ctx, c, mount, args[0])
		if err != nil {
			return err
		}
		p := kp.api("data")
		var params map[string][]string
		if kp.v2 && version > 0 {
			params = map[string][]string{"version": {strconv.Itoa(version)}}
		}
		// ReadWithData keeps 404 bodies that carry data: a deleted v2
		// version answers 404 with its metadata, which Vault still shows.
		secret, err := c.Logical().ReadWithDataWithContext(ctx, p, params)
		if secret, err = readResult(p, secret, err); err != nil {
			return err
		}
		if field != "" {
			return kvField(o, kp, p, secret, field)
		}
		if !o.isTable() {
			return o.secret(secret)
		}
		o.warnings(secret)
		data := secret.Data
		if kp.v2 {
			o.pathBanner("Secret Path", p)
			if md, ok := secret.Data["metadata"].(map[string]any); ok {
				o.infof("%s", headerForMap("Metadata", md))
				_ = o.data(md)
				o.infof("")
			}
			data, _ = secret.Data["data"].(map[string]any)
		}
		if data != nil {
			o.infof("%s", headerForMap("Data", data))
			return o.data(data)
		}
		return nil
	})
	addMountFlag(cmd, &mount)
	addFieldFlag(cmd, &field)
	cmd.Flags().IntVar(&version, "version", 0, "Version to read (KV v2; default latest)")
	return cmd
}

// kvField looks a -field up inside the v2 data block, so "-field=password"
// means the secret's password rather than a top-level response key.
func kvField(o *output, kp kvPath, p string, secret *api.Secret, field string) error {
	if !kp.v2 {
		return o.field(secretField(secret, field), field)
	}
	data, ok := secret.Data["data"].(map[string]any)
	if !ok {
		return fail(2, "No data found at %s", p)
	}
	if field == "data" {
		// A literal "data" key wins; otherwise the whole block is meant.
		if v, ok := data["data"]; ok {
			return o.field(v, field)
		}
		return o.field(secretField(secret, field), field)
	}
	return o.field(data[field], field)
}

func (a *app) kvPatchCmd() *cobra.Command {
	var mount, field, method string
	var cas int
	var remove []string
	cmd := &cobra.Command{
		Use:   "patch [flags] PATH K=V...",
		Short: "Update some keys of a KV v2 secret, keeping the others",
		Args:  nArgs(1, -1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		if len(args) == 1 && len(remove) == 0 {
			return fail(1, "Must supply data")
		}
		data, err := argsData(cmd, args)
		if err != nil {
			return err
		}
		for _, k := range remove {
			data[k] = nil // null deletes the key in a JSON merge patch
		}
		kp, err := resolveKVArg(ctx, c, mount, args[0])
		if err != nil {
			return err
		}
		if !kp.v2 {
			return fail(2, "K/V engine mount must be version 2 for patch support")
		}
		p := kp.api("data")
		var secret *api.Secret
		switch method {
		case "", "patch":
			secret, err = kvMergePatch(ctx, c, p, data, cas)
			// Without an explicit method, fall back like Vault when the
			// token lacks the patch capability or the server lacks PATCH.
			if method == "" && (isStatus(err, http.StatusForbidden) || isStatus(err, http.StatusMethodNotAllowed)) {
				secret, err = kvReadWrite(ctx, c, p, data, cas)
			}
		case "rw":
			secret, err = kvReadWrite(ctx, c, p, data, cas)
		default:
			return fail(1, "Unsupported method provided to -method flag: %s", method)
		}
		var pre *preReadError
		if errors.As(err, &pre) {
			return fail(2, "%s", pre.msg)
		}
		return kvWritten(o, kp, p, field, secret, err)
	})
	addMountFlag(cmd, &mount)
	addFieldFlag(cmd, &field)
	f := cmd.Flags()
	f.IntVar(&cas, "cas", 0, "Check-and-set: apply only if the current version matches")
	f.StringVar(&method, "method", "", `"patch" (HTTP PATCH, default) or "rw" (read, merge, write with check-and-set)`)
	f.StringArrayVar(&remove, "remove-data", nil, "Key to remove from the secret (repeatable)")
	return cmd
}

func kvMergePatch(ctx context.Context, c *api.Client, p string, data map[string]any, cas int) (*api.Secret, error) {
	opts := map[string]any{}
	if cas > 0 {
		opts["cas"] = cas
	}
	return c.Logical().JSONMergePatch(ctx, p, map[string]any{"data": data, "options": opts})
}

// preReadError marks failures of the read half of -method=rw, which Vault
// reports in its own words rather than as a write error.
type preReadError struct{ msg string }

func (e *preReadError) Error() string { return e.msg }

// kvReadWrite emulates PATCH with a read and a check-and-set write, so a
// concurrent writer makes the update fail rather than get overwritten.
func kvReadWrite(ctx context.Context, c *api.Client, p string, patch map[string]any, cas int) (*api.Secret, error) {
	cur, err := c.Logical().ReadWithContext(ctx, p)
	if err != nil {
		return nil, &preReadError{"Error doing pre-read at " + p + ": " + err.Error()}
	}
	if cur == nil {
		return nil, &preReadError{"No value found at " + p}
	}
	data, ok := cur.Data["data"].(map[string]any)
	if !ok {
		return nil, &preReadError{"No data found at " + p}
	}
	for k, v := range patch {
		if v == nil {
			delete(data, k)
		} else {
			data[k] = v
		}
	}
	opts := map[string]any{}
	if md, ok := cur.Data["metadata"].(map[string]any); ok && md["version"] != nil {
		opts["cas"] = md["version"]
	}
	if cas > 0 {
		opts["cas"] = cas
	}
	return c.Logical().WriteWithContext(ctx, p, map[string]any{"data": data, "options": opts})
}

func isStatus(err error, code int) bool {
	var re *api.ResponseError
	return errors.As(err, &re) && re.StatusCode == code
}

func (a *app) kvListCmd() *cobra.Command {
	var mount string
	cmd := &cobra.Command{
		Use:   "list [flags] PATH",
		Short: "List secret names under a path",
		Args:  nArgs(0, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		if len(args) == 0 && mount == "" {
			return fail(1, "Not enough arguments (expected 1, got 0)")
		}
		arg := ""
		if len(args) > 0 {
			arg = args[0]
		}
		kp, err := resolveKVArg(ctx, c, mount, arg)
		if err != nil {
			return err
		}
		p := kp.api("metadata")
		secret, err := c.Logical().ListWithContext(ctx, p)
		return printList(o, p, secret, err)
	})
	addMountFlag(cmd, &mount)
	return cmd
}
