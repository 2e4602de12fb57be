package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

// New returns the `agent` command.
func New(stdout, stderr io.Writer) *cobra.Command {
	var (
		paths         []string
		exitAfterAuth bool
		logLevel      string
	)
	cmd := &cobra.Command{
		Use:   "agent -config=FILE",
		Short: "Run Coffer Agent: auto-auth, templates and an API proxy (Vault Agent's configuration)",
		Long: `Runs the agent with a Vault Agent configuration file (HCL or JSON): it logs
in with auto_auth, writes the token to its sinks, renders templates and
re-renders them when the server reports a change, renews leases, and serves
api_proxy listeners. -exit-after-auth logs in, renders every template once
and exits, as an init container needs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(paths) == 0 {
				return errors.New("agent: -config is required")
			}
			cfg, err := loadAll(paths)
			if err != nil {
				fmt.Fprintln(stderr, err)
				return &exitError{code: 1}
			}
			if exitAfterAuth {
				cfg.ExitAfterAuth = true
			}
			level, err := parseLevel(logLevel)
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
			for _, w := range cfg.Warnings {
				log.Warn("config: " + w)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := Run(ctx, cfg, log); err != nil {
				log.Error("agent stopped", "error", err)
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&paths, "config", nil, "Agent configuration file (HCL or JSON); may be repeated")
	cmd.Flags().BoolVar(&exitAfterAuth, "exit-after-auth", false, "Log in, render every template once, then exit")
	cmd.Flags().StringVar(&logLevel, "log-level", envOr("COFFER_LOG_LEVEL", envOr("VAULT_LOG_LEVEL", "info")), "Log level: trace, debug, info, warn or error")
	return cmd
}

// loadAll reads one configuration; several -config files are merged as
// Vault Agent merges them only for disjoint stanzas, so Coffer takes one.
func loadAll(paths []string) (*config.Config, error) {
	if len(paths) > 1 {
		return nil, fmt.Errorf("agent: one -config file is supported, got %d", len(paths))
	}
	return config.Load(paths[0])
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "trace", "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error", "err":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("agent: %q is not a log level", s)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// exitError carries the exit status; its message was logged already.
type exitError struct{ code int }

func (e *exitError) Error() string { return "" }

// ExitCode is the process exit status.
func (e *exitError) ExitCode() int { return e.code }

// writePidFile writes the process id; the returned func removes it.
func writePidFile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("agent: pid_file: %w", err)
	}
	return func() { _ = os.Remove(path) }, nil
}
