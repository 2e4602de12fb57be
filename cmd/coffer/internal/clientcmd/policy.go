package clientcmd

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

func (a *app) policyCmd() *cobra.Command {
	return commandGroup("policy", "Manage ACL policies",
		a.policyWriteCmd(), a.policyReadCmd(), a.policyListCmd(), a.policyDeleteCmd())
}

// policyName lowercases like Vault: policy names are case-insensitive, and
// sending the canonical form keeps "Admin" and "admin" the same policy.
func policyName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (a *app) policyWriteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "write NAME FILE|-",
		Short: "Upload a policy from a file or stdin",
		Args:  nArgs(2, 2),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		name := policyName(args[0])
		var r io.Reader = cmd.InOrStdin()
		if args[1] != "-" {
			f, err := os.Open(args[1])
			if err != nil {
				return fail(2, "Error opening policy file: %s", err)
			}
			defer f.Close()
			r = f
		}
		rules, err := io.ReadAll(r)
		if err != nil {
			return fail(2, "Error reading policy: %s", err)
		}
		if err := c.Sys().PutPolicyWithContext(ctx, name, string(rules)); err != nil {
			return fail(2, "Error uploading policy: %s", err)
		}
		o.infof("Success! Uploaded policy: %s", name)
		return nil
	})
	return cmd
}

func (a *app) policyReadCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "read NAME",
		Short: "Print a policy's rules",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		name := policyName(args[0])
		rules, err := c.Sys().GetPolicyWithContext(ctx, name)
		if err != nil {
			return fail(2, "Error reading policy named %s: %s", name, err)
		}
		if rules == "" {
			return fail(2, "No policy named: %s", name)
		}
		if !o.isTable() {
			return o.json(map[string]any{"policy": rules})
		}
		o.infof("%s", strings.TrimSpace(rules))
		return nil
	})
	return cmd
}

func (a *app) policyListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List policy names",
		Args:  nArgs(0, 0),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
		names, err := c.Sys().ListPoliciesWithContext(ctx)
		if err != nil {
			return fail(2, "Error listing policies: %s", err)
		}
		if !o.isTable() {
			return o.json(names)
		}
		for _, n := range names {
			o.infof("%s", n)
		}
		return nil
	})
	return cmd
}

func (a *app) policyDeleteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a policy",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		name := policyName(args[0])
		if err := c.Sys().DeletePolicyWithContext(ctx, name); err != nil {
			return fail(2, "Error deleting %s: %s", name, err)
		}
		o.infof("Success! Deleted policy: %s", name)
		return nil
	})
	return cmd
}
