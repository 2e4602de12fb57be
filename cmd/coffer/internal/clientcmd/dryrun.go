package clientcmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// dryRun runs a command with the api client told to stop at the first
// request it would send and describe it: as a curl command
// (-output-curl-string) or as the policy that request needs
// (-output-policy). Preflight requests (the KV mount lookup) still run, as
// in Vault's CLI, so the described request is the command's real one.
//
// The api package reports the request through an error it returns from the
// request call, and also keeps it in a package variable; commands wrap
// errors in their own messages, so the variable is what is read here, as
// Vault's CLI does. It is reset first: one command per process.
func (a *app) dryRun(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output, fn body) error {
	api.LastOutputStringError, api.LastOutputPolicyError = nil, nil
	c.SetOutputCurlString(a.g.outputCurlString)
	c.SetOutputPolicy(a.g.outputPolicy)
	err := fn(ctx, cmd, args, c, o)
	if a.g.outputCurlString {
		return a.printCurl(err)
	}
	return a.printPolicy(err)
}

func (a *app) printCurl(err error) error {
	se := api.LastOutputStringError
	var direct *api.OutputStringError
	if errors.As(err, &direct) {
		se = direct
	}
	if se == nil {
		if err == nil {
			return fail(1, "Could not generate cURL command: the command sent no request")
		}
		return fail(2, "cURL command not set by API operation; run without -output-curl-string to see the generated error")
	}
	cs, cerr := se.CurlString()
	if cerr != nil {
		return fail(1, "Error creating request string: %s", cerr)
	}
	// The api package names Vault's CLI to print the token; ours has the
	// same command.
	fmt.Fprintln(a.stdout, strings.ReplaceAll(cs, "$(vault print token)", "$(coffer print token)"))
	return nil
}

func (a *app) printPolicy(err error) error {
	pe := api.LastOutputPolicyError
	var direct *api.OutputPolicyError
	if errors.As(err, &direct) {
		pe = direct
	}
	if pe == nil {
		if err == nil {
			return fail(1, "Could not generate policy: the command sent no request")
		}
		return fail(2, "Policy not set by API operation; run without -output-policy to see the generated error")
	}
	hcl, herr := pe.HCLString()
	if herr != nil {
		return fail(1, "Error assembling policy HCL: %s", herr)
	}
	fmt.Fprintln(a.stdout, hcl)
	return nil
}

// withoutDryRun runs a preflight request for real even under
// -output-curl-string or -output-policy, as Vault's CLI does for the KV
// mount lookup.
func withoutDryRun[T any](c *api.Client, fn func() T) T {
	curl, pol := c.OutputCurlString(), c.OutputPolicy()
	if curl {
		c.SetOutputCurlString(false)
		defer c.SetOutputCurlString(true)
	}
	if pol {
		c.SetOutputPolicy(false)
		defer c.SetOutputPolicy(true)
	}
	return fn()
}
