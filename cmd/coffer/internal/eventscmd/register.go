package eventscmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// ExitError carries an exit status whose message was already written to
// stderr: main prints nothing more and exits with ExitCode.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return "" }

// ExitCode is the process exit status.
func (e *ExitError) ExitCode() int { return e.Code }

// app is the state shared by one registration's commands.
type app struct {
	stdout, stderr io.Writer
}

// Register adds `events subscribe` under root.
func Register(root *cobra.Command, stdout, stderr io.Writer) {
	a := &app{stdout: stdout, stderr: stderr}
	cmd := &cobra.Command{Use: "events", Short: "Subscribe to what happens to secrets"}
	cmd.AddCommand(a.subscribeCmd())
	root.AddCommand(cmd)
}

// AddLedgerCommands adds `replay` and `state-at` to the ledger command.
func AddLedgerCommands(ledger *cobra.Command, stdout, stderr io.Writer) {
	a := &app{stdout: stdout, stderr: stderr}
	ledger.AddCommand(a.replayCmd(), a.stateAtCmd())
}

// report turns a runtime error into its message on stderr and exit code
// 2 (1 stays for usage errors, which cobra reports itself).
func (a *app) report(cmd *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	var se *statusError
	if errors.As(err, &se) {
		fmt.Fprintln(a.stderr, se.Error())
	} else {
		fmt.Fprintln(a.stderr, "Error:", err)
	}
	return &ExitError{Code: 2}
}
