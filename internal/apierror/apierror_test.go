package apierror

import (
	"errors"
	"fmt"
	"testing"
)

func TestPublicShowsContextAddedByTheDeclaringPackageOnly(t *testing.T) {
	e := &Error{Code: -1, Status: 400, Pkg: "token", Message: "root or sudo privileges required"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{e, "root or sudo privileges required"},
		{fmt.Errorf("%w to create orphan token", e), "root or sudo privileges required to create orphan token"},
		{fmt.Errorf("commands: version of token abc: %w", e), "root or sudo privileges required"},
	} {
		got, msgs, ok := Public(tc.err)
		if !ok || got != e || len(msgs) != 1 || msgs[0] != tc.want {
			t.Errorf("Public(%q) = %v, %q, %v; want %q", tc.err, got, msgs, ok, tc.want)
		}
	}
	if _, _, ok := Public(errors.New("kv: something internal")); ok {
		t.Error("an undeclared error must not be public")
	}
	quiet := &Error{Code: -2, Status: 404, Pkg: "kv", Message: "not found", Quiet: true}
	if _, msgs, ok := Public(fmt.Errorf("%w: secret/x", quiet)); !ok || len(msgs) != 0 {
		t.Errorf("a quiet error shows no message, got %q", msgs)
	}
}

func TestDuplicateCodePanics(t *testing.T) {
	New(999_999, 400, "test", "first")
	defer func() {
		if recover() == nil {
			t.Error("declaring code 999999 twice did not panic")
		}
	}()
	New(999_999, 400, "test", "second")
}
