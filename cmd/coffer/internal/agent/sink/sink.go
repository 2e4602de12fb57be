// Package sink writes the auto-auth token where local processes read it:
// sink "file" { config { path, mode } }, replaced atomically on every new
// token so a reader never sees a truncated token.
package sink

import (
	"fmt"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/fileutil"
)

// Write writes token to every sink. Every sink is tried; the first error
// is returned.
func Write(sinks []config.Sink, token string) error {
	var first error
	for _, s := range sinks {
		if _, err := fileutil.WriteAtomic(s.Path, []byte(token), s.Mode, true); err != nil && first == nil {
			first = fmt.Errorf("sink: %s: %w", s.Path, err)
		}
	}
	return first
}
