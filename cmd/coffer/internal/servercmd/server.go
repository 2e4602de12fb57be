// Package servercmd is `coffer server`.
package servercmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/cmd/coffer/internal/config"
	"github.com/cofferhq/coffer/engines/audit"
	"github.com/cofferhq/coffer/engines/metrics"
	"github.com/cofferhq/coffer/node"
)

// New returns the `server` command.
func New(stdout, stderr io.Writer) *cobra.Command {
	var (
		dev        bool
		rootID     string
		listen     string
		dataDir    string
		configFile string
		logLevel   string
	)
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Start a Coffer server",
		Long: `Start a Coffer server.

With -dev the server starts unsealed, mounts secret/ as KV v2 and prints a
root token. Without -data-dir it keeps its state in a fresh temporary
directory that is removed when it stops; with -data-dir, restarting brings
back every secret, token and policy.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dev == (configFile != "") {
				return fmt.Errorf("server: give exactly one of -dev or -config FILE")
			}
			level := slog.LevelInfo
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("server: -log-level: %w", err)
			}
			var cfg node.Config
			temp, raftSynonym := false, false
			if dev {
				temp = dataDir == ""
				if temp {
					d, err := os.MkdirTemp("", "coffer-dev-")
					if err != nil {
						return err
					}
					dataDir = d
					defer os.RemoveAll(d)
				}
				// Vault's dev listener serves sys/metrics without a token.
				// A dev server is for trying things: its API may enable
				// audit devices (the seed tutorial's `audit enable`).
				cfg = node.Config{DataDir: dataDir, ListenAddr: listen, Dev: true, DevRootTokenID: rootID, UI: true,
					Audit:     audit.Config{AllowAPI: true},
					Telemetry: metrics.Config{Unauthenticated: true, Sanitized: sanitizedDev(dataDir, listen)}}
			} else {
				fc, err := config.Load(configFile, os.Getenv)
				if err != nil {
					return err
				}
				if cfg, err = nodeConfig(fc); err != nil {
					return err
				}
				raftSynonym = fc.Storage.RaftSynonym
				if !cmd.Flags().Changed("log-level") && fc.LogLevel != "" {
					if err := level.UnmarshalText([]byte(strings.Replace(fc.LogLevel, "trace", "debug", 1))); err != nil {
						return fmt.Errorf("server: log_level: %w", err)
					}
				}
				defer func() {
					for _, w := range fc.Warnings {
						fmt.Fprintln(stderr, "warning:", w)
					}
				}()
			}
			log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
			cfg.Log = log
			if raftSynonym {
				log.Info(`storage "raft" is read as storage "ledger": the ledger stream's replication is NATS JetStream's Raft`)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			n, err := node.Start(ctx, cfg)
			if err != nil {
				return err
			}
			defer n.Close()
			printBanner(stdout, n, dev, temp)
			<-ctx.Done()
			log.Info("shutting down")
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&dev, "dev", false, "start in dev mode: unsealed, secret/ mounted, root token printed")
	f.StringVar(&rootID, "dev-root-token-id", "", "use this root token id in dev mode")
	f.StringVar(&listen, "dev-listen-address", "127.0.0.1:8200", "address for the HTTP API in dev mode")
	f.StringVar(&dataDir, "data-dir", "", "directory for nats/ and projections/ (default: a temporary directory)")
	f.StringVar(&configFile, "config", "", "HCL configuration file (storage, listener, seal)")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	return cmd
}

func printBanner(w io.Writer, n *node.Node, dev, temp bool) {
	fmt.Fprintf(w, "==> Coffer server started! Log data will stream in below:\n\n")
	fmt.Fprintf(w, "             Api Address: %s\n", n.Addr)
	fmt.Fprintf(w, "                 Storage: ledger (embedded NATS JetStream, fsync on every write)\n")
	fmt.Fprintf(w, "                Data Dir: %s\n", n.DataDir)
	if temp {
		fmt.Fprintf(w, "                          (temporary: removed when the server stops)\n")
	}
	if !dev {
		fmt.Fprintf(w, "\nThe server starts sealed. Initialise it once with `coffer operator init`,\n")
		fmt.Fprintf(w, "then unseal it after each start with `coffer operator unseal` (or let the\n")
		fmt.Fprintf(w, "awskms seal do it).\n\n")
		return
	}
	fmt.Fprintf(w, "\nWARNING! dev mode is enabled! The unseal key is kept in the data dir\n")
	fmt.Fprintf(w, "and the server starts unsealed. Do not run dev mode in production.\n\n")
	fmt.Fprintf(w, "You may need to set the following environment variables:\n\n")
	fmt.Fprintf(w, "    $ export VAULT_ADDR='%s'\n\n", n.Addr)
	fmt.Fprintf(w, "Root Token: %s\n\n", n.RootToken)
}
