// Command coffer is the Coffer server and its Vault-like client.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent"
	"github.com/cofferhq/coffer/cmd/coffer/internal/cliargs"
	"github.com/cofferhq/coffer/cmd/coffer/internal/clientcmd"
	"github.com/cofferhq/coffer/cmd/coffer/internal/eventscmd"
	"github.com/cofferhq/coffer/cmd/coffer/internal/injector"
	"github.com/cofferhq/coffer/cmd/coffer/internal/ledgercmd"
	"github.com/cofferhq/coffer/cmd/coffer/internal/servercmd"
)

func main() {
	root := &cobra.Command{
		Use:           "coffer",
		Short:         "Coffer: a secrets manager that speaks Vault's API, backed by an encrypted event ledger",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(servercmd.New(os.Stdout, os.Stderr))
	clientcmd.Register(root, os.Stdout, os.Stderr)
	ledgercmd.Register(root, os.Stdout, os.Stderr)
	eventscmd.Register(root, os.Stdout, os.Stderr)
	root.AddCommand(agent.New(os.Stdout, os.Stderr))
	root.AddCommand(injector.New(os.Stdout, os.Stderr))
	for _, c := range root.Commands() {
		if c.Name() == "ledger" {
			eventscmd.AddLedgerCommands(c, os.Stdout, os.Stderr)
		}
	}
	root.SetArgs(cliargs.Normalize(os.Args[1:]))
	if err := root.Execute(); err != nil {
		var exit interface{ ExitCode() int }
		if errors.As(err, &exit) {
			if msg := err.Error(); msg != "" {
				fmt.Fprintln(os.Stderr, msg)
			}
			os.Exit(exit.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
