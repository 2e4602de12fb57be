package clientcmd

import (
	"context"
	"fmt"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// printCmd is `coffer print token`, which -output-curl-string's commands
// call to fill in the token header, as Vault's `vault print token`.
func (a *app) printCmd() *cobra.Command {
	token := &cobra.Command{
		Use:   "token",
		Short: "Print the token the CLI would use (COFFER_TOKEN, VAULT_TOKEN or ~/.vault-token)",
		Args:  nArgs(0, 0),
		RunE: a.run(func(_ context.Context, _ *cobra.Command, _ []string, c *api.Client, _ *output) error {
			fmt.Fprintln(a.stdout, c.Token())
			return nil
		}),
	}
	return commandGroup("print", "Print values the CLI is configured with", token)
}
