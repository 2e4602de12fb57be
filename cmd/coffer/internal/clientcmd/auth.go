package clientcmd

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// `coffer auth ...` mirrors `vault auth ...`: auth methods are mounts
// under auth/, so the flags and messages follow `secrets`.

func (a *app) authCmd() *cobra.Command {
	return commandGroup("auth", "Enable, disable, list and tune auth methods",
		a.authEnableCmd(), a.authDisableCmd(), a.authListCmd(), a.authTuneCmd())
}

func (a *app) authEnableCmd() *cobra.Command {
	var mountPath, description, defTTL, maxTTL string
	var local bool
	cmd := &cobra.Command{
		Use:   "enable [flags] TYPE",
		Short: "Enable an auth method (at auth/TYPE/ unless -path is given)",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		method := args[0]
		in := &api.EnableAuthOptions{Type: method, Description: description, Local: local}
		var err error
		if in.Config.DefaultLeaseTTL, err = durationFlag(cmd, "default-lease-ttl", defTTL); err != nil {
			return err
		}
		if in.Config.MaxLeaseTTL, err = durationFlag(cmd, "max-lease-ttl", maxTTL); err != nil {
			return err
		}
		p := ensureTrailingSlash(sanitizePath(firstNonEmpty(mountPath, method)))
		if err := c.Sys().EnableAuthWithOptionsWithContext(ctx, p, in); err != nil {
			return fail(2, "Error enabling %s auth: %s", method, err)
		}
		o.infof("Success! Enabled %s auth method at: %s", method, p)
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&mountPath, "path", "", "Mount path under auth/ (default: the method type)")
	f.StringVar(&description, "description", "", "Human-friendly description of the auth method")
	f.StringVar(&defTTL, "default-lease-ttl", "", "Default TTL of the tokens this method issues")
	f.StringVar(&maxTTL, "max-lease-ttl", "", "Maximum TTL of the tokens this method issues")
	f.BoolVar(&local, "local", false, "Mount only on this cluster (no replication)")
	return cmd
}

func (a *app) authDisableCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "disable PATH",
		Short: "Disable an auth method, revoking every token it issued",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		p := ensureTrailingSlash(sanitizePath(args[0]))
		if err := c.Sys().DisableAuthWithContext(ctx, p); err != nil {
			return fail(2, "Error disabling auth method at %s: %s", p, err)
		}
		o.infof("Success! Disabled the auth method (if it existed) at: %s", p)
		return nil
	})
	return cmd
}

func (a *app) authListCmd() *cobra.Command {
	var detailed bool
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List enabled auth methods",
		Args:  nArgs(0, 0),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
		auths, err := c.Sys().ListAuthWithContext(ctx)
		if err != nil {
			return fail(2, "Error listing enabled authentications: %s", err)
		}
		if !o.isTable() {
			return o.json(auths)
		}
		fmt.Fprint(o.out, authTable(auths, detailed))
		return nil
	})
	cmd.Flags().BoolVar(&detailed, "detailed", false, "Show TTLs, replication and other details")
	return cmd
}

func authTable(auths map[string]*api.AuthMount, detailed bool) string {
	paths := make([]string, 0, len(auths))
	for p := range auths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	rows := make([][]string, 0, len(paths))
	for _, p := range paths {
		m := auths[p]
		if !detailed {
			rows = append(rows, []string{p, m.Type, m.Accessor, m.Description})
			continue
		}
		replication := "replicated"
		if m.Local {
			replication = "local"
		}
		rows = append(rows, []string{p, m.Type, m.Accessor, authTTL(m.Config.DefaultLeaseTTL), authTTL(m.Config.MaxLeaseTTL),
			replication, fmt.Sprint(m.SealWrap), fmt.Sprint(m.Options), m.Description, m.UUID})
	}
	if !detailed {
		return formatTable([]string{"Path", "Type", "Accessor", "Description"}, rows)
	}
	return formatTable([]string{"Path", "Plugin", "Accessor", "Default TTL", "Max TTL", "Replication", "Seal Wrap", "Options", "Description", "UUID"}, rows)
}

func authTTL(ttl int) string {
	if ttl == 0 {
		return "system"
	}
	return fmt.Sprint(ttl)
}

func (a *app) authTuneCmd() *cobra.Command {
	var defTTL, maxTTL, description string
	cmd := &cobra.Command{
		Use:   "tune [flags] PATH",
		Short: "Change an auth method's token TTLs or description",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		in, err := tuneInput(cmd, defTTL, maxTTL, description)
		if err != nil {
			return err
		}
		p := ensureTrailingSlash(sanitizePath(args[0]))
		if err := c.Sys().TuneMountAllowNilWithContext(ctx, "auth/"+p, in); err != nil {
			return fail(2, "Error tuning auth method %s: %s", p, err)
		}
		o.infof("Success! Tuned the auth method at: %s", p)
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&defTTL, "default-lease-ttl", "", "New default token TTL")
	f.StringVar(&maxTTL, "max-lease-ttl", "", "New maximum token TTL")
	f.StringVar(&description, "description", "", "New description")
	return cmd
}
