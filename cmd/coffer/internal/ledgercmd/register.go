package ledgercmd

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// ExitError carries an exit status whose message was already written to
// the command's stderr; main prints nothing more and exits with ExitCode.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return "" }

// ExitCode is the process exit status.
func (e *ExitError) ExitCode() int { return e.Code }

// Exit codes.
const (
	exitFailure  = 1 // could not check: usage, unreadable data, no server
	exitTampered = 2 // checked, and it does not hold
)

// app is the state shared by one Register call's commands.
type app struct {
	stdout, stderr io.Writer
}

// Register adds `ledger verify` and `ledger prove` under root, joining an
// existing `ledger` command (replay, state-at) when another package
// registered one first.
func Register(root *cobra.Command, stdout, stderr io.Writer) {
	a := &app{stdout: stdout, stderr: stderr}
	var cmd *cobra.Command
	for _, c := range root.Commands() {
		if c.Name() == "ledger" {
			cmd = c
		}
	}
	if cmd == nil {
		cmd = &cobra.Command{Use: "ledger", Short: "Audit the ledger: verify it against its signed checkpoints, prove inclusion"}
		root.AddCommand(cmd)
	}
	cmd.AddCommand(a.verifyCmd(), a.proveCmd())
}

// fail prints msg to stderr and returns the exit status to main.
func (a *app) fail(cmd *cobra.Command, code int, format string, args ...any) error {
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	fmt.Fprintf(a.stderr, format+"\n", args...)
	return &ExitError{Code: code}
}
