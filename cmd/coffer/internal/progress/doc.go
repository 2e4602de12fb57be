// Package progress draws a one-line progress bar on a terminal for the
// CLI's long operations (`ledger verify`, `ledger replay` to a file). It
// draws only when its writer is a terminal: piped or redirected, and in
// tests, it writes nothing at all, so scripts and logs never see carriage
// returns. With an unknown total it shows a spinner, a count and the time
// elapsed.
package progress
