package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

// AppRole is the approle method.
type AppRole struct {
	MountPath        string
	RoleIDFile       string
	SecretIDFile     string // empty: the role has bind_secret_id = false
	RemoveSecretFile bool
	// WrappingPath, when set, means the secret id file holds a response
	// wrapping token whose creation path must be this (Vault's
	// secret_id_response_wrapping_path).
	WrappingPath string

	cachedRoleID, cachedSecretID string
}

func newAppRole(m config.Method, str func(string) (string, error)) (*AppRole, error) {
	a := &AppRole{MountPath: m.MountPath, RemoveSecretFile: true}
	var err error
	if a.RoleIDFile, err = str("role_id_file_path"); err != nil {
		return nil, err
	}
	if a.RoleIDFile == "" {
		return nil, fmt.Errorf("%w: approle: config.role_id_file_path is required", ErrConfig)
	}
	if a.SecretIDFile, err = str("secret_id_file_path"); err != nil {
		return nil, err
	}
	if a.WrappingPath, err = str("secret_id_response_wrapping_path"); err != nil {
		return nil, err
	}
	a.WrappingPath = strings.Trim(a.WrappingPath, "/")
	if v, ok := m.Config["remove_secret_id_file_after_reading"]; ok {
		switch b := v.(type) {
		case bool:
			a.RemoveSecretFile = b
		case string:
			a.RemoveSecretFile = b == "true"
		default:
			return nil, fmt.Errorf("%w: approle: config.remove_secret_id_file_after_reading must be a boolean", ErrConfig)
		}
	}
	return a, nil
}

// Login reads the role id (and the secret id, unwrapping it if asked) and
// POSTs them to <mount>/login. A secret id file that is gone (removed after
// an earlier read) falls back to the secret id read then.
func (m *AppRole) Login(ctx context.Context, c *vault.Client) (*vault.Secret, error) {
	roleID, err := readTrimmed(m.RoleIDFile)
	switch {
	case err == nil && roleID != "":
		m.cachedRoleID = roleID
	case m.cachedRoleID == "":
		if err == nil {
			err = errors.New("file is empty")
		}
		return nil, fmt.Errorf("auth: approle: role id %s: %w", m.RoleIDFile, err)
	}
	body := map[string]any{"role_id": m.cachedRoleID}
	if m.SecretIDFile != "" {
		secretID, err := m.secretID(ctx, c)
		if err != nil {
			return nil, err
		}
		body["secret_id"] = secretID
	}
	return login(ctx, c, m.MountPath, body)
}

func (m *AppRole) secretID(ctx context.Context, c *vault.Client) (string, error) {
	raw, err := readTrimmed(m.SecretIDFile)
	if err != nil || raw == "" {
		if m.cachedSecretID != "" {
			return m.cachedSecretID, nil
		}
		if err == nil {
			err = errors.New("file is empty")
		}
		return "", fmt.Errorf("auth: approle: secret id %s: %w", m.SecretIDFile, err)
	}
	id := raw
	if m.WrappingPath != "" {
		if id, err = m.unwrap(ctx, c, raw); err != nil {
			return "", err
		}
	}
	m.cachedSecretID = id
	if m.RemoveSecretFile {
		if err := os.Remove(m.SecretIDFile); err != nil && !os.IsNotExist(err) {
			return "", fmt.Errorf("auth: approle: remove secret id file: %w", err)
		}
	}
	return id, nil
}

// unwrap accepts the wrapping token alone or the wrap_info JSON the CLI
// prints; the token's creation path is checked before it is unwrapped, so
// a token wrapped for something else is never consumed.
func (m *AppRole) unwrap(ctx context.Context, c *vault.Client, raw string) (string, error) {
	token := raw
	if strings.HasPrefix(raw, "{") {
		var info vault.SecretWrapInfo
		if err := json.Unmarshal([]byte(raw), &info); err != nil {
			return "", fmt.Errorf("auth: approle: secret id file holds invalid wrap info: %w", err)
		}
		token = info.Token
	}
	wc, err := c.Clone()
	if err != nil {
		return "", err
	}
	wc.SetToken(token)
	look, err := wc.Logical().WriteWithContext(ctx, "sys/wrapping/lookup", map[string]any{"token": token})
	if err != nil {
		return "", fmt.Errorf("auth: approle: wrapping token lookup: %w", err)
	}
	if look == nil || look.Data == nil {
		return "", errors.New("auth: approle: wrapping token lookup returned nothing")
	}
	if path, _ := look.Data["creation_path"].(string); strings.Trim(path, "/") != m.WrappingPath {
		return "", fmt.Errorf("auth: approle: wrapping token was created at %q, not %q", path, m.WrappingPath)
	}
	s, err := wc.Logical().UnwrapWithContext(ctx, "")
	if err != nil {
		return "", fmt.Errorf("auth: approle: unwrap secret id: %w", err)
	}
	if s == nil || s.Data == nil {
		return "", errors.New("auth: approle: unwrapped response holds no secret id")
	}
	id, _ := s.Data["secret_id"].(string)
	if id == "" {
		return "", errors.New("auth: approle: unwrapped response holds no secret id")
	}
	return id, nil
}
