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
	cmd := &cobra.Command{
		Use:   "metadata",
		Short: "Manage KV v2 secret metadata (all versions at once)",
	}
	cmd.AddCommand(a.kvMetadataGetCmd(), a.kvMetadataPutCmd(), a.kvMetadataDeleteCmd())
	return cmd
}

// resolveMetadata resolves a path and insists on KV v2, the only version
// with metadata.
func resolveMetadata(ctx context.Context, c *api.Client, mount, arg string) (string, error) {
	kp, err := resolveKV(ctx, c, mount, arg)
	if err != nil {
		return "", fail(2, "%s", err)
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
		if err != nil {
			return fail(2, "Error reading %s: %s", p, err)
		}
		if secret == nil {
			return fail(2, "No value found at %s", p)
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
		if f.Changed("delete-version-after") {
			d, err := parseDuration(deleteAfter)
			if err != nil {
				return fail(1, "Invalid -delete-version-after: %s", err)
			}
			data["delete_version_after"] = d.String()
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
		if err != nil {
			return fail(2, "Error writing data to %s: %s", p, err)
		}
		if secret == nil {
			if o.isTable() {
				o.infof("Success! Data written to: %s", p)
			}
			return nil
		}
		return o.secret(secret)
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
		if _, err := c.Logical().DeleteWithContext(ctx, p); err != nil {
			return fail(2, "Error deleting %s: %s", p, err)
		}
		o.infof("Success! Data deleted (if it existed) at: %s", p)
		return nil
	})
	addMountFlag(cmd, &mount)
	return cmd
}
