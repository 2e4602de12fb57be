package kubernetes

import (
	"errors"
	"testing"

	"github.com/cofferhq/coffer/engines/auth/authkit"
)

func TestDecideRenew(t *testing.T) {
	role := &Role{}
	role.Token.Policies = []string{"dev", "ops"}
	if err := DecideRenew(role, []string{"default", "ops", "dev"}); err != nil {
		t.Fatalf("same policies in another order, with default: %v", err)
	}
	if err := DecideRenew(role, []string{"default", "dev"}); !errors.Is(err, authkit.ErrInvalidRequest) {
		t.Fatalf("changed policies: want invalid request, got %v", err)
	}
	if err := DecideRenew(nil, []string{"dev", "ops"}); !errors.Is(err, authkit.ErrPermissionDenied) {
		t.Fatalf("deleted role: want permission denied, got %v", err)
	}
}
