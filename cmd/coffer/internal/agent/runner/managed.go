package runner

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/fileutil"
	tmpl "github.com/cofferhq/coffer/cmd/coffer/internal/agent/template"
)

// managed is one template and what the runner knows about it.
type managed struct {
	t        *tmpl.Template
	deps     []tmpl.Dep
	rendered bool  // written at least once
	lastErr  error // last render error, nil after a success
	failures int   // consecutive failed renders
	retryAt  time.Time

	cmdMu sync.Mutex // one command at a time per template
}

func (m *managed) dest() string { return m.t.Config.Destination }

// write puts out into the destination atomically; it reports whether the
// file changed.
func (m *managed) write(out []byte) (bool, error) {
	c := m.t.Config
	if c.Backup {
		if old, err := os.ReadFile(c.Destination); err == nil {
			if _, err := fileutil.WriteAtomic(c.Destination+".bak", old, c.Perms, false); err != nil {
				return false, fmt.Errorf("runner: backup %s: %w", c.Destination, err)
			}
		}
	}
	return fileutil.WriteAtomic(c.Destination, out, c.Perms, c.CreateDestDirs)
}

// runCommand runs the template's command after its file changed, bounded
// by command_timeout. Its output goes to the agent's log, never into a
// file, and a failure is logged, not fatal (as in Vault Agent).
func (m *managed) runCommand(log *slog.Logger) {
	argv := m.t.Config.Command
	if len(argv) == 0 {
		return
	}
	go func() {
		m.cmdMu.Lock()
		defer m.cmdMu.Unlock()
		timeout := m.t.Config.CommandTimeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = os.Environ()
		out, err := cmd.CombinedOutput()
		if err != nil {
			log.Error("template command failed", "destination", m.dest(), "error", err, "output", tail(string(out), 2048))
			return
		}
		log.Info("template command ran", "destination", m.dest())
	}()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
