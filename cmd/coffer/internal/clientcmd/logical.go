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
		p, query, err := queryArgs(cmd, args)
		if err != nil {
			return err
		}
		secret, err := c.Logical().ReadWithDataWithContext(ctx, p, query)
		if secret, err = readResult(p, secret, err); err != nil {
			return err
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
		data, err := argsData(cmd, args)
		if err != nil {
			return err
		}
		p := sanitizePath(args[0])
		secret, err := c.Logical().WriteWithContext(ctx, p, data)
		return printWritten(o, p, field, secret, err)
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
		p, query, err := queryArgs(cmd, args)
		if err != nil {
			return err
		}
		_, err = c.Logical().DeleteWithDataWithContext(ctx, p, query)
		return printDeleted(o, p, err)
	})
	return cmd
}
