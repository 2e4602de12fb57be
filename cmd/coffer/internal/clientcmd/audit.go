package clientcmd

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// audit: enable, disable, list — the Vault CLI's `audit` commands. A
// device copies the ledger's audit records out in Vault's JSON format.
func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Enable, disable and list audit devices"}
	var path, description string
	enable := &cobra.Command{
		Use:   "enable [flags] TYPE [K=V...]",
		Short: "Enable an audit device (file file_path=/var/log/coffer/audit.log)",
		Args:  cobra.MinimumNArgs(1),
		RunE: a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
			typ := args[0]
			opts := map[string]string{}
			for _, kv := range args[1:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return fail(1, "Invalid option %q: want K=V", kv)
				}
				opts[k] = v
			}
			if path == "" {
				path = typ
			}
			err := c.Sys().EnableAuditWithOptionsWithContext(ctx, path, &api.EnableAuditOptions{Type: typ, Description: description, Options: opts})
			if err != nil {
				return fail(2, "Error enabling audit device: %s", err)
			}
			o.infof("Success! Enabled the %s audit device at: %s/", typ, strings.TrimSuffix(path, "/"))
			return nil
		}),
	}
	enable.Flags().StringVar(&path, "path", "", "place to mount the device (default: its type)")
	enable.Flags().StringVar(&description, "description", "", "human-friendly description")
	disable := &cobra.Command{
		Use: "disable PATH", Short: "Disable an audit device", Args: nArgs(1, 1),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
			if err := c.Sys().DisableAuditWithContext(ctx, args[0]); err != nil {
				return fail(2, "Error disabling audit device: %s", err)
			}
			o.infof("Success! Disabled audit device (if it was enabled) at: %s/", strings.TrimSuffix(args[0], "/"))
			return nil
		}),
	}
	list := &cobra.Command{
		Use: "list", Short: "List enabled audit devices", Args: nArgs(0, 0),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
			devs, err := c.Sys().ListAuditWithContext(ctx)
			if err != nil {
				return fail(2, "Error listing audit devices: %s", err)
			}
			if !o.isTable() {
				return o.json(devs)
			}
			if len(devs) == 0 {
				o.infof("No audit devices are enabled.")
				return nil
			}
			paths := make([]string, 0, len(devs))
			for p := range devs {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			rows := make([][]string, 0, len(paths))
			for _, p := range paths {
				d := devs[p]
				rows = append(rows, []string{p, d.Type, d.Description, fmt.Sprint(d.Options["file_path"])})
			}
			fmt.Fprint(o.out, formatTable([]string{"Path", "Type", "Description", "File"}, rows))
			return nil
		}),
	}
	cmd.AddCommand(enable, disable, list)
	return cmd
}
