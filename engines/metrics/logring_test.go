package metrics

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLogRingKeepsTheLastLines(t *testing.T) {
	ring := NewLogRing(slog.NewTextHandler(io.Discard, nil), 3)
	log := slog.New(ring).With("component", "test")
	log.Debug("not enabled below info")
	for _, m := range []string{"one", "two", "three", "four"} {
		log.Info(m)
	}
	lines := ring.Lines()
	require.Len(t, lines, 3)
	for i, want := range []string{"two", "three", "four"} {
		require.Contains(t, lines[i], "msg="+want)
		require.Contains(t, lines[i], "component=test")
	}
	require.False(t, strings.Contains(string(ring.Text()), "not enabled"))
}
