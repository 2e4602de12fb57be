package clientcmd

import (
	"context"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// lease: lookup, renew, revoke — the Vault CLI's `lease` commands over
// sys/leases.
func (a *app) leaseCmd() *cobra.Command {
	lookup := &cobra.Command{
		Use: "lookup LEASE_ID", Short: "Show a lease's issue and expiry times", Args: nArgs(1, 1),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
			s, err := c.Logical().WriteWithContext(ctx, "sys/leases/lookup", map[string]any{"lease_id": args[0]})
			if err != nil {
				return fail(2, "error looking up lease id %s: %s", args[0], err)
			}
			return o.secret(s)
		}),
	}
	var increment string
	renew := &cobra.Command{
		Use: "renew [-increment=DURATION] LEASE_ID", Short: "Renew a lease (capped by its max TTL)", Args: nArgs(1, 1),
		RunE: a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
			inc := 0
			if cmd.Flags().Changed("increment") {
				d, err := parseDuration(increment)
				if err != nil {
					return fail(1, "Invalid -increment: %s", err)
				}
				inc = int(d / time.Second)
			}
			s, err := c.Sys().RenewWithContext(ctx, args[0], inc)
			if err != nil {
				return fail(2, "Error renewing %s: %s", args[0], err)
			}
			return o.secret(s)
		}),
	}
	renew.Flags().StringVarP(&increment, "increment", "i", "", "requested extension (e.g. 1h); capped by the lease's max TTL")
	var prefix, force, sync bool
	revoke := &cobra.Command{
		Use: "revoke [-prefix] [-force] [-sync] LEASE_ID|PREFIX", Short: "Revoke a lease, or every lease under a prefix", Args: nArgs(1, 1),
		RunE: a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
			var err error
			switch {
			case force && !prefix:
				return fail(1, "-force requires -prefix")
			case force:
				err = c.Sys().RevokeForceWithContext(ctx, args[0])
			case prefix:
				err = c.Sys().RevokePrefixWithContext(ctx, args[0])
			case sync:
				err = c.Sys().RevokeWithOptionsWithContext(ctx, &api.RevokeOptions{LeaseID: args[0], Sync: true})
			default:
				err = c.Sys().RevokeWithOptionsWithContext(ctx, &api.RevokeOptions{LeaseID: args[0], Sync: false})
			}
			if err != nil {
				return fail(2, "Error revoking %s: %s", args[0], err)
			}
			switch {
			case force:
				o.infof("Success! Force revoked any leases with prefix: %s", args[0])
			case prefix:
				o.infof("Success! Revoked any leases with prefix: %s", args[0])
			case sync:
				o.infof("Success! Revoked lease: %s", args[0])
			default:
				o.infof("All revocation operations queued successfully!")
			}
			return nil
		}),
	}
	f := revoke.Flags()
	f.BoolVar(&prefix, "prefix", false, "treat the argument as a prefix (sudo)")
	f.BoolVar(&force, "force", false, "with -prefix: forget leases whose revocation fails (sudo; recorded in the ledger)")
	f.BoolVar(&sync, "sync", false, "wait until the credential is revoked")
	return commandGroup("lease", "Look up, renew and revoke leases", lookup, renew, revoke)
}
