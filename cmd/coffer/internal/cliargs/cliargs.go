// Package cliargs turns Vault's command-line habits into what pflag
// parses. It is its own package so that the slim agent binary
// (cmd/coffer/coffer-agent) can share it without linking the client
// commands.
package cliargs

import "strings"

// Normalize rewrites Vault-style single-dash long flags (-name,
// -name=value) into the double-dash form pflag expects. One-letter flags stay
// shorthands (-f, -h), "-" (stdin) and negative numbers stay arguments, and
// nothing after a "--" terminator is touched.
func Normalize(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		out = append(out, normalizeArg(a))
	}
	return out
}

func normalizeArg(a string) string {
	if len(a) < 3 || a[0] != '-' || a[1] == '-' {
		return a
	}
	// A digit or dot after the dash is a negative number, never a flag.
	if c := a[1]; (c >= '0' && c <= '9') || c == '.' {
		return a
	}
	name, _, _ := strings.Cut(a[1:], "=")
	if len(name) < 2 {
		return a
	}
	return "-" + a
}
