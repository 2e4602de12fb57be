package clientcmd

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

func (a *app) secretsCmd() *cobra.Command {
	return commandGroup("secrets", "Enable, disable, list and tune secrets engines",
		a.secretsEnableCmd(), a.secretsDisableCmd(), a.secretsListCmd(), a.secretsTuneCmd())
}

// durationFlag normalises a TTL flag to Go duration syntax ("1h0m0s"), the
// form the Vault CLI sends; an unset flag sends nothing.
func durationFlag(cmd *cobra.Command, name, value string) (string, error) {
	if !cmd.Flags().Changed(name) {
		return "", nil
	}
	d, err := parseDuration(value)
	if err != nil {
		return "", fail(1, "Invalid -%s: %s", name, err)
	}
	return d.String(), nil
}

// durationPtr is durationFlag for the tune API, where nil means "unchanged".
func durationPtr(cmd *cobra.Command, name, value string) (*string, error) {
	v, err := durationFlag(cmd, name, value)
	if err != nil || v == "" {
		return nil, err
	}
	return &v, nil
}

// tuneInput is the tune API's input from the TTL and description flags
// `secrets tune` and `auth tune` share. Only given flags are sent:
// pointer fields left nil are omitted, so the server leaves those
// settings alone.
func tuneInput(cmd *cobra.Command, defTTL, maxTTL, description string) (api.TuneMountConfigInput, error) {
	var in api.TuneMountConfigInput
	var err error
	if in.DefaultLeaseTTL, err = durationPtr(cmd, "default-lease-ttl", defTTL); err != nil {
		return in, err
	}
	if in.MaxLeaseTTL, err = durationPtr(cmd, "max-lease-ttl", maxTTL); err != nil {
		return in, err
	}
	if cmd.Flags().Changed("description") {
		in.Description = &description
	}
	return in, nil
}

func (a *app) secretsEnableCmd() *cobra.Command {
	var mountPath, description, defTTL, maxTTL string
	var version int
	var options []string
	var local, sealWrap, noCache bool
	cmd := &cobra.Command{
		Use:   "enable [flags] TYPE",
		Short: "Mount a secrets engine (at TYPE/ unless -path is given)",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		engine := args[0]
		opts, err := parseKVFlags("options", options)
		if err != nil {
			return fail(1, "%s", err)
		}
		if version > 0 {
			if opts == nil {
				opts = map[string]string{}
			}
			opts["version"] = strconv.Itoa(version)
		}
		in := &api.MountInput{Type: engine, Description: description, Local: local, SealWrap: sealWrap, Options: opts}
		in.Config.ForceNoCache = noCache
		if in.Config.DefaultLeaseTTL, err = durationFlag(cmd, "default-lease-ttl", defTTL); err != nil {
			return err
		}
		if in.Config.MaxLeaseTTL, err = durationFlag(cmd, "max-lease-ttl", maxTTL); err != nil {
			return err
		}
		// Mounts are prefixes, so messages show them with a trailing slash
		// as Vault does (the api package trims it from the URL).
		p := ensureTrailingSlash(sanitizePath(firstNonEmpty(mountPath, engine)))
		if err := c.Sys().MountWithContext(ctx, p, in); err != nil {
			return fail(2, "Error enabling: %s", err)
		}
		o.infof("Success! Enabled the %s secrets engine at: %s", engine, p)
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&mountPath, "path", "", "Mount path (default: the engine type)")
	f.StringVar(&description, "description", "", "Human-friendly description of the mount")
	f.IntVar(&version, "version", 0, "Engine version, e.g. 2 for KV v2 (same as -options=version=2)")
	f.StringArrayVar(&options, "options", nil, "Engine option key=value (repeatable)")
	f.StringVar(&defTTL, "default-lease-ttl", "", "Default lease TTL for this mount")
	f.StringVar(&maxTTL, "max-lease-ttl", "", "Maximum lease TTL for this mount")
	f.BoolVar(&local, "local", false, "Mount only on this cluster (no replication)")
	f.BoolVar(&sealWrap, "seal-wrap", false, "Enable seal wrapping for the mount")
	f.BoolVar(&noCache, "force-no-cache", false, "Disable caching for the mount")
	return cmd
}

func (a *app) secretsDisableCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "disable PATH",
		Short: "Unmount a secrets engine, deleting all its data",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		p := ensureTrailingSlash(sanitizePath(args[0]))
		if err := c.Sys().UnmountWithContext(ctx, p); err != nil {
			return fail(2, "Error disabling secrets engine at %s: %s", p, err)
		}
		o.infof("Success! Disabled the secrets engine (if it existed) at: %s", p)
		return nil
	})
	return cmd
}

func (a *app) secretsListCmd() *cobra.Command {
	var detailed bool
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List mounted secrets engines",
		Args:  nArgs(0, 0),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, _ []string, c *api.Client, o *output) error {
		mounts, err := c.Sys().ListMountsWithContext(ctx)
		if err != nil {
			return fail(2, "Error listing secrets engines: %s", err)
		}
		if !o.isTable() {
			return o.json(mounts)
		}
		fmt.Fprint(o.out, mountsTable(mounts, detailed))
		return nil
	})
	cmd.Flags().BoolVar(&detailed, "detailed", false, "Show TTLs, options, replication and other details")
	return cmd
}

func mountsTable(mounts map[string]*api.MountOutput, detailed bool) string {
	paths := make([]string, 0, len(mounts))
	for p := range mounts {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if !detailed {
		rows := make([][]string, 0, len(paths))
		for _, p := range paths {
			m := mounts[p]
			rows = append(rows, []string{p, m.Type, m.Accessor, m.Description})
		}
		return formatTable([]string{"Path", "Type", "Accessor", "Description"}, rows)
	}
	rows := make([][]string, 0, len(paths))
	for _, p := range paths {
		m := mounts[p]
		replication := "replicated"
		if m.Local {
			replication = "local"
		}
		rows = append(rows, []string{p, m.Type, m.Accessor,
			mountTTL(m, m.Config.DefaultLeaseTTL), mountTTL(m, m.Config.MaxLeaseTTL),
			fmt.Sprint(m.Config.ForceNoCache), replication, fmt.Sprint(m.SealWrap),
			fmt.Sprint(m.ExternalEntropyAccess), fmt.Sprint(m.Options), m.Description, m.UUID,
			m.PluginVersion, m.RunningVersion, m.RunningSha256, m.DeprecationStatus})
	}
	return formatTable([]string{"Path", "Plugin", "Accessor", "Default TTL", "Max TTL",
		"Force No Cache", "Replication", "Seal Wrap", "External Entropy Access", "Options",
		"Description", "UUID", "Version", "Running Version", "Running SHA256", "Deprecation Status"}, rows)
}

// mountTTL shows 0 as "system" (inherits the server default), and n/a for
// the built-in mounts that have no leases, as Vault does.
func mountTTL(m *api.MountOutput, ttl int) string {
	switch {
	case m.Type == "system" || m.Type == "cubbyhole" || m.Type == "identity":
		return "n/a"
	case ttl != 0:
		return strconv.Itoa(ttl)
	}
	return "system"
}

func (a *app) secretsTuneCmd() *cobra.Command {
	var defTTL, maxTTL, description string
	var options []string
	cmd := &cobra.Command{
		Use:   "tune [flags] PATH",
		Short: "Change a mounted engine's TTLs, description or options",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		in, err := tuneInput(cmd, defTTL, maxTTL, description)
		if err != nil {
			return err
		}
		opts, err := parseKVFlags("options", options)
		if err != nil {
			return fail(1, "%s", err)
		}
		if opts != nil {
			in.Options = &opts
		}
		p := ensureTrailingSlash(sanitizePath(args[0]))
		if err := c.Sys().TuneMountAllowNilWithContext(ctx, p, in); err != nil {
			return fail(2, "Error tuning secrets engine %s: %s", p, err)
		}
		o.infof("Success! Tuned the secrets engine at: %s", p)
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&defTTL, "default-lease-ttl", "", "New default lease TTL")
	f.StringVar(&maxTTL, "max-lease-ttl", "", "New maximum lease TTL")
	f.StringVar(&description, "description", "", "New description")
	f.StringArrayVar(&options, "options", nil, "Engine option key=value (repeatable)")
	return cmd
}
