package clientcmd

import (
	"context"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// unwrapCmd is `vault unwrap [TOKEN]`: the response a wrapping token holds,
// printed as the original request would have printed it. Without TOKEN the
// client's own token is the wrapping token (VAULT_TOKEN=<wrapping token>).
func (a *app) unwrapCmd() *cobra.Command {
	var field string
	cmd := &cobra.Command{
		Use:   "unwrap [flags] [TOKEN]",
		Short: "Unwrap a wrapped secret (the wrapping token works once)",
		Args:  nArgs(0, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		token := ""
		if len(args) == 1 {
			token = args[0]
		}
		// The unwrap itself is never wrapped.
		c.SetWrappingLookupFunc(func(string, string) string { return "" })
		secret, err := c.Logical().UnwrapWithContext(ctx, token)
		if err != nil {
			return fail(2, "Error unwrapping: %s", err)
		}
		if secret == nil {
			return fail(2, "Could not find wrapped response")
		}
		if field != "" {
			return o.field(secretField(secret, field), field)
		}
		return o.secret(secret)
	})
	addFieldFlag(cmd, &field)
	return cmd
}
