package testkit

import (
	"testing"

	vault "github.com/hashicorp/vault/api"
)

// VaultClient is HashiCorp's Go client for addr with token, without
// retries (a test wants the first answer).
func VaultClient(t testing.TB, addr, token string) *vault.Client {
	t.Helper()
	cfg := vault.DefaultConfig()
	cfg.Address = addr
	cfg.MaxRetries = 0
	c, err := vault.NewClient(cfg)
	if err != nil {
		t.Fatalf("testkit: vault client: %v", err)
	}
	c.SetToken(token)
	return c
}
