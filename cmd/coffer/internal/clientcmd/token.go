package clientcmd

import (
	"context"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

func (a *app) tokenCmd() *cobra.Command {
	return commandGroup("token", "Create, look up, renew and revoke tokens",
		a.tokenCreateCmd(), a.tokenLookupCmd(), a.tokenRenewCmd(), a.tokenRevokeCmd())
}

func (a *app) tokenCreateCmd() *cobra.Command {
	var id, displayName, ttl, explicitMax, period, role, tokenType, field string
	var policies, metadata []string
	var useLimit int
	var orphan, noDefault, renewable bool
	cmd := &cobra.Command{
		Use:   "create [flags]",
		Short: "Create a child (or orphan) token of the current token",
		Args:  nArgs(0, 0),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, _ []string, c *api.Client, o *output) error {
		meta, err := parseKVFlags("metadata", metadata)
		if err != nil {
			return fail(1, "%s", err)
		}
		req := &api.TokenCreateRequest{
			ID: id, Policies: policies, Metadata: meta, DisplayName: displayName,
			NumUses: useLimit, NoParent: orphan, NoDefaultPolicy: noDefault,
			Renewable: &renewable, Type: tokenType,
		}
		for _, d := range []struct {
			name, value string
			dst         *string
		}{{"ttl", ttl, &req.TTL}, {"explicit-max-ttl", explicitMax, &req.ExplicitMaxTTL}, {"period", period, &req.Period}} {
			if *d.dst, err = durationFlag(cmd, d.name, d.value); err != nil {
				return err
			}
		}
		var secret *api.Secret
		tok := c.Auth().Token()
		switch {
		case role != "":
			secret, err = tok.CreateWithRoleWithContext(ctx, req, role)
		case orphan:
			secret, err = tok.CreateOrphanWithContext(ctx, req)
		default:
			secret, err = tok.CreateWithContext(ctx, req)
		}
		if err != nil {
			return fail(2, "Error creating token: %s", err)
		}
		if field != "" {
			return o.field(secretField(secret, field), field)
		}
		return o.secret(secret)
	})
	addFieldFlag(cmd, &field)
	f := cmd.Flags()
	f.StringSliceVar(&policies, "policy", nil, "Policy to attach (repeatable or comma separated)")
	f.StringVar(&ttl, "ttl", "", "Initial TTL")
	f.StringVar(&explicitMax, "explicit-max-ttl", "", "Hard TTL limit that renewals cannot pass")
	f.StringVar(&period, "period", "", "Make a periodic token renewable by this much indefinitely")
	f.IntVar(&useLimit, "use-limit", 0, "Number of uses before the token is revoked (0 = unlimited)")
	f.BoolVar(&orphan, "orphan", false, "Create without a parent, so revoking the parent keeps it")
	f.BoolVar(&noDefault, "no-default-policy", false, `Do not attach the "default" policy`)
	f.BoolVar(&renewable, "renewable", true, "Allow the token to be renewed")
	f.StringVar(&displayName, "display-name", "", "Name recorded with the token")
	f.StringArrayVar(&metadata, "metadata", nil, "Metadata key=value (repeatable)")
	f.StringVar(&id, "id", "", "Explicit token value (root only)")
	f.StringVar(&role, "role", "", "Create against this token role")
	f.StringVar(&tokenType, "type", "", `Token type: "service" or "batch"`)
	return cmd
}

func (a *app) tokenLookupCmd() *cobra.Command {
	var accessor bool
	cmd := &cobra.Command{
		Use:   "lookup [flags] [TOKEN | ACCESSOR]",
		Short: "Show a token's properties (the current token by default)",
		Args:  nArgs(0, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		tok := c.Auth().Token()
		var secret *api.Secret
		var err error
		switch {
		case accessor && len(args) == 0:
			return fail(1, "Not enough arguments with -accessor (expected 1, got 0)")
		case len(args) == 0:
			secret, err = tok.LookupSelfWithContext(ctx)
		case accessor:
			secret, err = tok.LookupAccessorWithContext(ctx, args[0])
		default:
			secret, err = tok.LookupWithContext(ctx, args[0])
		}
		if err != nil {
			return fail(2, "Error looking up token: %s", err)
		}
		return o.secret(secret)
	})
	cmd.Flags().BoolVar(&accessor, "accessor", false, "Treat the argument as an accessor rather than a token")
	return cmd
}

func (a *app) tokenRenewCmd() *cobra.Command {
	var increment string
	var accessor bool
	cmd := &cobra.Command{
		Use:   "renew [flags] [TOKEN | ACCESSOR]",
		Short: "Extend a token's TTL (the current token by default)",
		Args:  nArgs(0, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		// 0 asks the server for the token's default increment.
		inc := 0
		if cmd.Flags().Changed("increment") {
			d, err := parseDuration(increment)
			if err != nil {
				return fail(1, "Invalid -increment: %s", err)
			}
			inc = int(d.Seconds())
		}
		tok := c.Auth().Token()
		var secret *api.Secret
		var err error
		switch {
		case accessor && len(args) == 0:
			return fail(1, "Not enough arguments with -accessor (expected 1, got 0)")
		case len(args) == 0:
			secret, err = tok.RenewSelfWithContext(ctx, inc)
		case accessor:
			secret, err = tok.RenewAccessorWithContext(ctx, args[0], inc)
		default:
			secret, err = tok.RenewWithContext(ctx, args[0], inc)
		}
		if err != nil {
			return fail(2, "Error renewing token: %s", err)
		}
		return o.secret(secret)
	})
	f := cmd.Flags()
	f.StringVarP(&increment, "increment", "i", "", "Requested extension, e.g. 1h (default: the token's TTL)")
	f.BoolVar(&accessor, "accessor", false, "Treat the argument as an accessor rather than a token")
	return cmd
}

func (a *app) tokenRevokeCmd() *cobra.Command {
	var accessor, self bool
	var mode string
	cmd := &cobra.Command{
		Use:   "revoke [flags] [TOKEN | ACCESSOR]",
		Short: "Revoke a token and, unless -mode=orphan, all its children",
		Args:  nArgs(0, 1),
	}
	cmd.RunE = a.run(func(ctx context.Context, _ *cobra.Command, args []string, c *api.Client, o *output) error {
		switch {
		case self && len(args) > 0:
			return fail(1, "Too many arguments with -self (expected 0, got %d)", len(args))
		case !self && len(args) == 0:
			return fail(1, "Not enough arguments (expected 1, got 0)")
		case self && accessor:
			return fail(1, "Cannot use -self with -accessor")
		case mode != "" && mode != "orphan":
			return fail(1, "Unsupported -mode %q (only \"orphan\" is supported)", mode)
		case accessor && mode == "orphan":
			return fail(1, "Cannot use -accessor with -mode=orphan")
		}
		tok := c.Auth().Token()
		var err error
		switch {
		case self:
			err = tok.RevokeSelfWithContext(ctx, "")
		case accessor:
			err = tok.RevokeAccessorWithContext(ctx, args[0])
		case mode == "orphan":
			err = tok.RevokeOrphanWithContext(ctx, args[0])
		default:
			err = tok.RevokeTreeWithContext(ctx, args[0])
		}
		if err != nil {
			return fail(2, "Error revoking token: %s", err)
		}
		o.infof("Success! Revoked token (if it existed)")
		return nil
	})
	f := cmd.Flags()
	f.BoolVar(&accessor, "accessor", false, "Treat the argument as an accessor rather than a token")
	f.BoolVar(&self, "self", false, "Revoke the token making the request")
	f.StringVar(&mode, "mode", "", `"orphan" revokes only the token, leaving its children orphaned`)
	return cmd
}
