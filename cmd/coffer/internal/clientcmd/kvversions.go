package clientcmd

import (
	"context"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

func (a *app) kvDeleteCmd() *cobra.Command {
	var mount string
	var versions []string
	cmd := &cobra.Command{
		Use:   "delete [flags] PATH",
		Short: "Soft-delete the latest (or given) versions of a secret",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		kp, err := resolveKVArg(ctx, c, mount, args[0])
		if err != nil {
			return err
		}
		var p string
		switch {
		case !kp.v2:
			p = kp.full
			_, err = c.Logical().DeleteWithContext(ctx, p)
		case len(versions) > 0:
			p = kp.api("delete")
			_, err = c.Logical().WriteWithContext(ctx, p, map[string]any{"versions": splitVersions(versions)})
		default:
			p = kp.api("data")
			_, err = c.Logical().DeleteWithContext(ctx, p)
		}
		return printDeleted(o, p, err)
	})
	addMountFlag(cmd, &mount)
	cmd.Flags().StringArrayVar(&versions, "versions", nil, "Versions to delete, comma separated (KV v2; default latest)")
	return cmd
}

// kvVersionsCmd builds `kv undelete` and `kv destroy`, which differ only in
// the API prefix they post their version list to.
func (a *app) kvVersionsCmd(name string) *cobra.Command {
	var mount string
	var versions []string
	short := map[string]string{
		"undelete": "Restore soft-deleted versions of a KV v2 secret",
		"destroy":  "Permanently remove versions of a KV v2 secret",
	}[name]
	cmd := &cobra.Command{
		Use:   name + " [flags] PATH",
		Short: short,
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		if len(versions) == 0 {
			return fail(1, "No versions provided, use the \"-versions\" flag to specify the version to %s.", name)
		}
		kp, err := resolveKVArg(ctx, c, mount, args[0])
		if err != nil {
			return err
		}
		if !kp.v2 {
			return fail(1, "%s not supported on KV Version 1", strings.ToUpper(name[:1])+name[1:])
		}
		p := kp.api(name)
		secret, err := c.Logical().WriteWithContext(ctx, p, map[string]any{"versions": splitVersions(versions)})
		return printWritten(o, p, "", secret, err)
	})
	addMountFlag(cmd, &mount)
	cmd.Flags().StringArrayVar(&versions, "versions", nil, "Versions to "+name+", comma separated (required)")
	return cmd
}
