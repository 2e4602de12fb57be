package clientcmd

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// ExitError carries a command's exit status. Its message has already been
// written to the stderr given to Register, Vault style, so Error() is empty:
// main prints a non-empty message only, then exits with ExitCode().
type ExitError struct {
	Code int
}

func (e *ExitError) Error() string { return "" }

// ExitCode is the process exit status: 1 usage, 2 runtime error (or sealed
// for status).
func (e *ExitError) ExitCode() int { return e.Code }

// ExitCode maps an error returned by root.Execute to a process exit status:
// 0 for success, the ExitError code when a command chose one, and 1 (usage)
// for everything else, such as unknown flags or a wrong argument count.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return 1
}

// commandGroup is a command that only gathers subcommands, such as `kv`
// or `token`.
func commandGroup(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short}
	cmd.AddCommand(subs...)
	return cmd
}

// fail is how command bodies report errors: the message goes out now, in the
// Vault CLI's wording, and the code travels back to main.
func fail(code int, format string, args ...any) error {
	return &exitMsg{ExitError{Code: code}, fmt.Sprintf(format, args...)}
}

// exitMsg is an ExitError whose text still has to be printed; run prints it
// to the command's stderr so fail needs no writer.
type exitMsg struct {
	ExitError
	msg string
}

func (e *exitMsg) Unwrap() error { return &e.ExitError }

// app is the state shared by one Register call's commands.
type app struct {
	stdout, stderr io.Writer
	g              globals
}

// Register adds every client command to root. Output goes to stdout and
// stderr; stdin is read through root.InOrStdin().
func Register(root *cobra.Command, stdout, stderr io.Writer) {
	a := &app{stdout: stdout, stderr: stderr}
	for _, c := range []*cobra.Command{
		a.statusCmd(), a.kvCmd(),
		a.readCmd(), a.writeCmd(), a.listCmd(), a.deleteCmd(),
		a.secretsCmd(), a.authCmd(), a.loginCmd(), a.tokenCmd(), a.policyCmd(), a.operatorCmd(), a.auditCmd(), a.leaseCmd(), a.printCmd(),
		a.debugCmd(), a.unwrapCmd(),
	} {
		a.g.addFlags(c.PersistentFlags())
		root.AddCommand(c)
	}
}

// body is a command implementation once its client and output are ready.
type body func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error

// run adapts a body to cobra. Runtime errors print their own Vault-style
// message, so cobra's "Error:" line and usage dump are switched off for
// them; flag and argument errors still get cobra's usage treatment.
func (a *app) run(fn body) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := a.exec(cmd, args, fn)
		if err == nil {
			return nil
		}
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		var m *exitMsg
		if errors.As(err, &m) {
			fmt.Fprintln(a.stderr, m.msg)
			return &m.ExitError
		}
		var ee *ExitError
		if errors.As(err, &ee) {
			return ee
		}
		fmt.Fprintln(a.stderr, err)
		return &ExitError{Code: 2}
	}
}

func (a *app) exec(cmd *cobra.Command, args []string, fn body) error {
	o := &output{out: a.stdout, err: a.stderr, format: a.g.outputFormat()}
	if o.format != "table" && o.format != "json" {
		return fail(1, "Invalid output format: %s", o.format)
	}
	c, err := a.g.client()
	if err != nil {
		return fail(2, "%s", err)
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	if a.g.outputCurlString && a.g.outputPolicy {
		return fail(1, "-output-curl-string and -output-policy cannot be used together")
	}
	if a.g.outputCurlString || a.g.outputPolicy {
		return a.dryRun(ctx, cmd, args, c, o, fn)
	}
	return fn(ctx, cmd, args, c, o)
}

// nArgs validates the positional count with Vault's wording.
func nArgs(min, max int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		switch {
		case len(args) < min:
			return fmt.Errorf("Not enough arguments (expected %d, got %d)", min, len(args))
		case max >= 0 && len(args) > max:
			return fmt.Errorf("Too many arguments (expected %d, got %d)", max, len(args))
		}
		return nil
	}
}
