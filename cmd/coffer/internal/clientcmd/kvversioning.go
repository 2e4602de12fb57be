package clientcmd

import (
	"context"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// kvEnableVersioningCmd is `kv enable-versioning PATH`: Vault's upgrade of
// a KV v1 mount to v2, a tune of options.version (the server keeps each
// value as the current version of a v2 secret).
func (a *app) kvEnableVersioningCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "enable-versioning PATH",
		Short: "Turn a KV version 1 mount into version 2 (cannot be undone)",
		Args:  nArgs(1, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		p := ensureTrailingSlash(sanitizePath(args[0]))
		opts := map[string]string{"version": "2"}
		if err := c.Sys().TuneMountAllowNilWithContext(ctx, p, api.TuneMountConfigInput{Options: &opts}); err != nil {
			return fail(2, "Error tuning secrets engine %s: %s", p, err)
		}
		o.infof("Success! Tuned the secrets engine at: %s", p)
		return nil
	})
	return cmd
}
