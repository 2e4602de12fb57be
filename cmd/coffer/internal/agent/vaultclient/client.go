// Package vaultclient builds the agent's HTTP client for the server: HashiCorp's
// Vault Go client configured from the vault {} stanza, never from the
// environment's token, so every request carries exactly the token the agent
// chose.
package vaultclient

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

// ErrNoAddress reports a configuration without vault.address and without
// VAULT_ADDR or COFFER_ADDR.
var ErrNoAddress = errors.New("vaultclient: no server address: set vault { address } or VAULT_ADDR")

// New returns a client for the server without a token. Retries follow
// vault.retry.num_retries (Vault's client retries 5xx and connection
// errors with its own backoff).
func New(v config.Vault) (*vault.Client, error) {
	if v.Address == "" {
		return nil, ErrNoAddress
	}
	cfg := vault.DefaultConfig()
	if cfg.Error != nil {
		return nil, fmt.Errorf("vaultclient: %w", cfg.Error)
	}
	cfg.Address = v.Address
	cfg.MaxRetries = max(v.NumRetries, 0)
	cfg.MinRetryWait = 250 * time.Millisecond
	cfg.MaxRetryWait = 2 * time.Second
	cfg.Timeout = 30 * time.Second
	tls := &vault.TLSConfig{
		CACert:        v.CACert,
		CAPath:        v.CAPath,
		ClientCert:    v.ClientCert,
		ClientKey:     v.ClientKey,
		TLSServerName: v.TLSServerName,
		Insecure:      v.TLSSkipVerify,
	}
	if err := cfg.ConfigureTLS(tls); err != nil {
		return nil, fmt.Errorf("vaultclient: TLS: %w", err)
	}
	c, err := vault.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("vaultclient: %w", err)
	}
	// NewClient takes VAULT_TOKEN and VAULT_NAMESPACE from the
	// environment; the agent sets its token itself.
	c.ClearToken()
	c.ClearNamespace()
	return c, nil
}

// StreamingHTTP returns an HTTP client sharing c's transport (TLS, pool)
// without an overall timeout, for long-lived event streams.
func StreamingHTTP(c *vault.Client) *http.Client {
	return &http.Client{Transport: c.CloneConfig().HttpClient.Transport}
}
