// Command coffer-agent is `coffer agent` alone: the same agent, without the
// server, the client commands and their dependencies linked in.
//
// It exists for footprint. On Linux a process's resident set counts the
// pages of its executable that are mapped, and the kernel maps them in
// large runs (this project's machines map nearly all of a binary's text
// and read-only data, even for a hello-world), so the full 80 MB coffer
// binary costs an agent sidecar ~55 MB of file-backed RSS although the
// agent's own (anonymous) memory is ~12 MB. This binary is a fraction of
// that size. It accepts `coffer-agent agent -config ...` as well as
// `coffer-agent -config ...`, so it can stand in for `coffer` in an agent
// image and in the injector's generated command lines.
package main

import (
	"errors"
	"os"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent"
	"github.com/cofferhq/coffer/cmd/coffer/internal/cliargs"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "agent" {
		args = args[1:]
	}
	cmd := agent.New(os.Stdout, os.Stderr)
	cmd.Use = "coffer-agent -config=FILE"
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(cliargs.Normalize(args))
	if err := cmd.Execute(); err != nil {
		var exit interface{ ExitCode() int }
		if errors.As(err, &exit) {
			if msg := err.Error(); msg != "" {
				os.Stderr.WriteString(msg + "\n")
			}
			os.Exit(exit.ExitCode())
		}
		os.Stderr.WriteString("Error: " + err.Error() + "\n")
		os.Exit(1)
	}
}
