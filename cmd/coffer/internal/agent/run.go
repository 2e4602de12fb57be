package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/auth"
	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/proxy"
	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/runner"
	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/vaultclient"
)

// ErrNothingToDo reports a configuration with neither auto_auth, templates
// nor listeners.
var ErrNothingToDo = errors.New("agent: the configuration has no auto_auth, template or listener: nothing to do")

// Run runs the agent described by cfg until ctx ends (or, with
// exit_after_auth, until the first login and render are done).
func Run(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	if cfg.AutoAuth == nil && len(cfg.Templates) == 0 && len(cfg.Listeners) == 0 {
		return ErrNothingToDo
	}
	client, err := vaultclient.New(cfg.Vault)
	if err != nil {
		return err
	}
	removePid, err := writePidFile(cfg.PidFile)
	if err != nil {
		return err
	}
	defer removePid()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var rn *runner.Runner
	var handler *auth.Handler
	var px *proxy.Proxy
	invalidate := func(tok string) {
		if handler != nil {
			handler.Invalidate(tok)
		}
	}
	if len(cfg.Templates) > 0 {
		rn, err = runner.New(runner.Options{
			Templates: cfg.Templates, TemplateCfg: cfg.TemplateCfg, NumRetries: cfg.Vault.NumRetries,
			Client: client, Stream: true, HTTP: vaultclient.StreamingHTTP(client), Log: log, Invalidate: invalidate,
		})
		if err != nil {
			return err
		}
	}
	if len(cfg.Listeners) > 0 && !cfg.ExitAfterAuth {
		px, err = proxy.New(proxy.Options{Config: cfg, Client: client, Log: log, Invalidate: invalidate})
		if err != nil {
			return err
		}
	}
	onToken := func(tok string) {
		if rn != nil {
			rn.SetToken(tok)
		}
		if px != nil {
			px.SetToken(tok)
		}
	}
	if cfg.AutoAuth != nil {
		method, err := auth.New(cfg.AutoAuth.Method)
		if err != nil {
			return err
		}
		m := cfg.AutoAuth.Method
		handler = &auth.Handler{Method: method, Client: client, Sinks: cfg.AutoAuth.Sinks,
			MinBackoff: m.MinBackoff, MaxBackoff: m.MaxBackoff, ExitOnErr: m.ExitOnErr, Log: log,
			OnToken: func(t auth.Token) { onToken(t.Token) }}
	} else if tok := firstNonEmpty(os.Getenv("COFFER_TOKEN"), os.Getenv("VAULT_TOKEN")); tok != "" {
		onToken(strings.TrimSpace(tok))
	}

	if cfg.ExitAfterAuth {
		if handler != nil {
			if err := handler.Run(ctx, true); err != nil {
				return fmt.Errorf("agent: auto-auth: %w", err)
			}
		}
		if rn != nil {
			if err := rn.Run(ctx, true); err != nil {
				return err
			}
		}
		log.Info("exit_after_auth: authenticated and rendered; exiting")
		return nil
	}

	errc := make(chan error, 3)
	run := func(name string, fn func() error) {
		go func() {
			if err := fn(); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("agent: %s: %w", name, err)
				return
			}
			errc <- nil
		}()
	}
	running := 0
	if handler != nil {
		running++
		run("auto-auth", func() error { return handler.Run(ctx, false) })
	}
	if rn != nil {
		running++
		run("templates", func() error { return rn.Run(ctx, false) })
	}
	if px != nil {
		running++
		run("api_proxy", func() error { return px.Serve(ctx) })
	}
	log.Info("agent started", "server", client.Address(), "templates", len(cfg.Templates), "listeners", len(cfg.Listeners))
	var first error
	for i := 0; i < running; i++ {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel()
		}
		if ctx.Err() != nil && first == nil {
			cancel()
		}
	}
	return first
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
