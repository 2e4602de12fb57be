package clientcmd

import (
	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// The helpers below are shared by the commands that read, write and delete
// paths (kv and the generic read/write/delete): one copy of their argument
// handling, messages and exit codes keeps those Vault's word for word.

// queryArgs reads the PATH argument and the K=V pairs after it, which read
// and delete send as query parameters.
func queryArgs(cmd *cobra.Command, args []string) (string, map[string][]string, error) {
	data, err := argsData(cmd, args)
	if err != nil {
		return "", nil, err
	}
	return sanitizePath(args[0]), toQuery(data), nil
}

// argsData parses the K=V arguments that follow a command's PATH argument.
func argsData(cmd *cobra.Command, args []string) (map[string]any, error) {
	data, err := parseArgsData(cmd.InOrStdin(), args[1:])
	if err != nil {
		return nil, fail(1, "Failed to parse K=V data: %s", err)
	}
	return data, nil
}

// readResult checks the answer to a read of p: a failed read and a missing
// secret are both exit 2.
func readResult(p string, secret *api.Secret, err error) (*api.Secret, error) {
	if err != nil {
		return nil, fail(2, "Error reading %s: %s", p, err)
	}
	if secret == nil {
		return nil, fail(2, "No value found at %s", p)
	}
	return secret, nil
}

// printWritten reports a write to p: a success line when the server
// answers without a body, otherwise the answer (or its -field when field is
// set).
func printWritten(o *output, p, field string, secret *api.Secret, err error) error {
	if err != nil {
		return fail(2, "Error writing data to %s: %s", p, err)
	}
	if secret == nil {
		if o.isTable() {
			o.infof("Success! Data written to: %s", p)
		}
		return nil
	}
	if field != "" {
		return o.field(secretField(secret, field), field)
	}
	return o.secret(secret)
}

// printDeleted reports a delete of p. Vault says "if it existed": a delete
// of nothing succeeds too.
func printDeleted(o *output, p string, err error) error {
	if err != nil {
		return fail(2, "Error deleting %s: %s", p, err)
	}
	o.infof("Success! Data deleted (if it existed) at: %s", p)
	return nil
}
