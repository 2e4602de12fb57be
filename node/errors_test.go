package node

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/apierror"
)

// TestErrorCatalogueIsDocumented: docs/errors.md lists every declared
// client error (code, status, message) of every package the node links,
// so the table stays the one place to look. Rewrite it with -update.
func TestErrorCatalogueIsDocumented(t *testing.T) {
	var b strings.Builder
	b.WriteString(`# Errors a client may see

Every error Coffer answers a client with, other than a handler's own
wording of bad input, is declared once with internal/apierror, next to the
rule that raises it: a stable code, the HTTP status and Vault's message.
This table is generated from those declarations by
node/errors_test.go (go test ./node -run TestErrorCatalogue -args -update);
the test fails when it is out of date. Codes are grouped by area (see
internal/apierror/doc.go); a new module takes codes in its range.

| Code | Status | Package | Message |
|-----:|-------:|---------|---------|
`)
	for _, e := range apierror.All() {
		if e.Code >= 999_000 || e.Pkg == "testauth" {
			continue // declared by tests and the test auth method
		}
		msg := e.Message
		if e.Quiet {
			msg += " (shown as an empty error list)"
		}
		fmt.Fprintf(&b, "| %d | %d | %s | %s |\n", e.Code, e.Status, e.Pkg, strings.ReplaceAll(msg, "|", `\|`))
	}
	const path = "../docs/errors.md"
	if *updateGolden {
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update")
	require.Equal(t, string(want), b.String(), "docs/errors.md is out of date: go test ./node -run TestErrorCatalogue -args -update")
}
