package clientcmd

import (
	"context"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// The generic commands talk to any path verbatim: no KV preflight and no
// path rewriting, exactly like `vault read/write/list/delete`.

func (a *app) readCmd() *cobra.Command {
	var field string
	cmd := &cobra.Command{
		Use:   "read [flags] PATH [K=V...]",
		Short: "Read data from any path (K=V pairs become query parameters)",
		Args:  nArgs(1, -1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		data, err := parseArgsData(cmd.InOrStdin(), args[1:])
		if err != nil {
			return fail(1, "Failed to parse K=V data: %s", err)
		}
		p := sanitizePath(args[0])
		secret, err := c.Logical().ReadWithDataWithContext(ctx, p, toQuery(data))
		if err != nil {
			return fail(2, "Error reading %s: %s", p, err)
		}
		if secret == nil {
			return fail(2, "No value found at %s", p)
		}
		if field != "" {
			return o.field(secretField(secret, field), field)
		}
		return o.secret(secret)
	})
	addFieldFlag(cmd, &field)
	return cmd
}

func (a *app) writeCmd() *cobra.Command {
	var field string
	var force bool
	cmd := &cobra.Command{
		Use:   "write [flags] PATH [K=V... | -]",
		Short: "Write data to any path",
		Args:  nArgs(1, -1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		if len(args) == 1 && !force {
			return fail(1, "Must supply data or use -force")
		}
		data, err := parseArgsData(cmd.InOrStdin(), args[1:])
		if err != nil {
			return fail(1, "Failed to parse K=V data: %s", err)
		}
		p := sanitizePath(args[0])
		secret, err := c.Logical().WriteWithContext(ctx, p, data)
		if err != nil {
			return fail(2, "Error writing data to %s: %s", p, err)
		}
		if secret == nil {
			if o.isTable() {
				o.infof("Success! Data written to: %s", p)
			}
			return nil
		}
		if field != "" {
			return o.field(secretField(secret, field), field)
		}
		return o.secret(secret)
	})
	addFieldFlag(cmd, &field)
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Write even without data (for endpoints that take none)")
	return cmd
}

func (a *app) listCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list PATH",
		Short: "List keys under any path",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		// Vault shows list paths as directories ("secret/metadata/"); the
		// api package trims the slash from the URL itself.
		p := ensureTrailingSlash(sanitizePath(args[0]))
		secret, err := c.Logical().ListWithContext(ctx, p)
		return printList(o, p, secret, err)
	})
	return cmd
}

func (a *app) deleteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete PATH [K=V...]",
		Short: "Delete data at any path (K=V pairs become query parameters)",
		Args:  nArgs(1, -1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		data, err := parseArgsData(cmd.InOrStdin(), args[1:])
		if err != nil {
			return fail(1, "Failed to parse K=V data: %s", err)
		}
		p := sanitizePath(args[0])
		if _, err := c.Logical().DeleteWithDataWithContext(ctx, p, toQuery(data)); err != nil {
			return fail(2, "Error deleting %s: %s", p, err)
		}
		o.infof("Success! Data deleted (if it existed) at: %s", p)
		return nil
	})
	return cmd
}
