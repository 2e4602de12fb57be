package clientcmd

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

func (a *app) kvMetadataCmd() *cobra.Command {
	return commandGroup("metadata", "Manage KV v2 secret metadata (all versions at once)",
		a.kvMetadataGetCmd(), a.kvMetadataPutCmd(), a.kvMetadataDeleteCmd())
}

// resolveMetadata resolves a path and insists on KV v2, the only version
// with metadata.
func resolveMetadata(ctx context.Context, c *api.Client, mount, arg string) (string, error) {
	kp, err := resolveKVArg(ctx, c, mount, arg)
	if err != nil {
		return "", err
	}
	if !kp.v2 {
		return "", fail(1, "Metadata not supported on KV Version 1")
	}
	return kp.api("metadata"), nil
}

func (a *app) kvMetadataGetCmd() *cobra.Command {
	var mount, field string
	cmd := &cobra.Command{
		Use:   "get [flags] PATH",
		Short: "Show a secret's metadata and the state of every version",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		p, err := resolveMetadata(ctx, c, mount, args[0])
		if err != nil {
			return err
		}
		secret, err := c.Logical().ReadWithContext(ctx, p)
		if secret, err = readResult(p, secret, err); err != nil {
			return err
		}
		if field != "" {
			return o.field(secretField(secret, field), field)
		}
		if !o.isTable() {
			return o.secret(secret)
		}
		versions, ok := secret.Data["versions"].(map[string]any)
		if !ok {
			_ = o.secret(secret)
			return fail(2, "No value found at %s", p)
		}
		delete(secret.Data, "versions")
		o.pathBanner("Metadata Path", p)
		o.infof("%s", headerForMap("Metadata", secret.Data))
		_ = o.secret(secret)
		// Versions print oldest first, so numeric rather than string order.
		nums := make([]int, 0, len(versions))
		for k := range versions {
			if n, err := strconv.Atoi(k); err == nil {
				nums = append(nums, n)
			}
		}
		sort.Ints(nums)
		for _, n := range nums {
			v, _ := versions[strconv.Itoa(n)].(map[string]any)
			o.infof("\n%s", headerForMap(fmt.Sprintf("Version %d", n), v))
			_ = o.data(v)
		}
		return nil
	})
	addMountFlag(cmd, &mount)
	addFieldFlag(cmd, &field)
	return cmd
}

func (a *app) kvMetadataPutCmd() *cobra.Command {
	var mount, deleteAfter string
	var maxVersions int
	var casRequired bool
	var custom []string
	cmd := &cobra.Command{
		Use:   "put [flags] PATH",
		Short: "Create or update a secret's metadata settings",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		// Only flags the user gave are sent, so unset settings keep their
		// current values on the server.
		f := cmd.Flags()
		data := map[string]any{}
		if f.Changed("max-versions") {
			data["max_versions"] = maxVersions
		}
		if f.Changed("cas-required") {
			data["cas_required"] = casRequired
		}
		d, err := durationFlag(cmd, "delete-version-after", deleteAfter)
		if err != nil {
			return err
		}
		if d != "" {
			data["delete_version_after"] = d
		}
		if len(custom) > 0 {
			m, err := parseKVFlags("custom-metadata", custom)
			if err != nil {
				return fail(1, "%s", err)
			}
			data["custom_metadata"] = m
		}
		p, err := resolveMetadata(ctx, c, mount, args[0])
		if err != nil {
			return err
		}
		secret, err := c.Logical().WriteWithContext(ctx, p, data)
		return printWritten(o, p, "", secret, err)
	})
	addMountFlag(cmd, &mount)
	f := cmd.Flags()
	f.IntVar(&maxVersions, "max-versions", 0, "Number of versions to keep (0 = mount default)")
	f.BoolVar(&casRequired, "cas-required", false, "Require check-and-set (-cas) on every write")
	f.StringVar(&deleteAfter, "delete-version-after", "", `Soft-delete versions this long after writing ("0s" disables)`)
	f.StringArrayVar(&custom, "custom-metadata", nil, "Custom metadata key=value (repeatable)")
	return cmd
}

func (a *app) kvMetadataDeleteCmd() *cobra.Command {
	var mount string
	cmd := &cobra.Command{
		Use:   "delete [flags] PATH",
		Short: "Delete a secret with all its versions and metadata",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		p, err := resolveMetadata(ctx, c, mount, args[0])
		if err != nil {
			return err
		}
		_, err = c.Logical().DeleteWithContext(ctx, p)
		return printDeleted(o, p, err)
	})
	addMountFlag(cmd, &mount)
	return cmd
}
