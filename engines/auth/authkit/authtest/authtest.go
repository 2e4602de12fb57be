// Package authtest holds the test helpers the auth method packages share:
// a request body read with Vault's field coercions, and a check that an
// error is the refusal Vault gives.
package authtest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/engines/auth/authkit"
)

// Fields decodes a JSON request body as the gateway does (numbers kept
// exact) and reads it with Vault's coercions.
func Fields(t testing.TB, body string) authkit.RawFields {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// WantRefusal fails the test unless err is a refusal with exactly this
// status and message.
func WantRefusal(t testing.TB, err error, status int, msg string) {
	t.Helper()
	st, got, ok := authkit.StatusOf(err)
	if !ok || st != status || got != msg {
		t.Fatalf("got %d %q (%v), want %d %q", st, got, err, status, msg)
	}
}
