package testkit

import (
	"io"
	"log/slog"
	"os"
)

// LogWriter is where test servers log: nowhere, unless COFFER_TEST_LOG is
// set.
func LogWriter() io.Writer {
	if os.Getenv("COFFER_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}

// Log is a logger for test servers (see LogWriter).
func Log() *slog.Logger { return slog.New(slog.NewTextHandler(LogWriter(), nil)) }
