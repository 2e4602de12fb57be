package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	vault "github.com/hashicorp/vault/api"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

var (
	// ErrConfig reports a method configuration that cannot work.
	ErrConfig = errors.New("auth: invalid method configuration")
	// ErrNoAuth reports a login answer without an auth block.
	ErrNoAuth = errors.New("auth: login response carries no token")
)

// Method is one way of logging in. Login gets a client without a token
// and returns the server's answer, whose Auth block holds the token.
type Method interface {
	Login(ctx context.Context, c *vault.Client) (*vault.Secret, error)
}

// New builds the method m names.
func New(m config.Method) (Method, error) {
	str := func(key string) (string, error) {
		v, ok := m.Config[key]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%w: %s: config.%s must be a string", ErrConfig, m.Type, key)
		}
		return s, nil
	}
	switch m.Type {
	case "token_file":
		p, err := str("token_file_path")
		if err != nil {
			return nil, err
		}
		if p == "" {
			return nil, fmt.Errorf("%w: token_file: config.token_file_path is required", ErrConfig)
		}
		return &TokenFile{Path: p}, nil
	case "approle":
		return newAppRole(m, str)
	case "kubernetes":
		role, err := str("role")
		if err != nil {
			return nil, err
		}
		if role == "" {
			return nil, fmt.Errorf("%w: kubernetes: config.role is required", ErrConfig)
		}
		tokenPath, err := str("token_path")
		if err != nil {
			return nil, err
		}
		if tokenPath == "" {
			tokenPath = DefaultServiceAccountTokenPath
		}
		return &Kubernetes{MountPath: m.MountPath, Role: role, TokenPath: tokenPath}, nil
	}
	return nil, fmt.Errorf("%w: unknown method %q", ErrConfig, m.Type)
}

// readTrimmed reads a small credential file, without its surrounding
// whitespace.
func readTrimmed(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// login POSTs body to <mount>/login and requires an auth block.
func login(ctx context.Context, c *vault.Client, mount string, body map[string]any) (*vault.Secret, error) {
	s, err := c.Logical().WriteWithContext(ctx, strings.Trim(mount, "/")+"/login", body)
	if err != nil {
		return nil, err
	}
	if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
		return nil, ErrNoAuth
	}
	return s, nil
}
