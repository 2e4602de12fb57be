package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	vault "github.com/hashicorp/vault/api"
)

// TokenFile is the token_file method: the token is whatever the file holds
// now. The last token read is kept, so a file removed after start-up (as
// some init scripts do) does not stop the agent while the token lives.
type TokenFile struct {
	Path   string
	cached string
}

// Login reads the file and looks the token up; the answer is shaped as a
// login's, with the token in its Auth block.
func (m *TokenFile) Login(ctx context.Context, c *vault.Client) (*vault.Secret, error) {
	tok, err := readTrimmed(m.Path)
	switch {
	case err != nil && m.cached == "":
		return nil, fmt.Errorf("auth: token_file: %w (and no token read before)", err)
	case err == nil && tok != "":
		m.cached = tok
	case m.cached == "":
		return nil, errors.New("auth: token_file: the file is empty and no token was read before")
	}
	lc, err := c.Clone()
	if err != nil {
		return nil, err
	}
	lc.SetToken(m.cached)
	s, err := lc.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		return nil, err
	}
	if s == nil || s.Data == nil {
		return nil, ErrNoAuth
	}
	a := &vault.SecretAuth{ClientToken: m.cached}
	a.Accessor, _ = s.Data["accessor"].(string)
	a.Renewable, _ = s.Data["renewable"].(bool)
	if ttl, err := numberOf(s.Data["ttl"]); err == nil {
		a.LeaseDuration = int(ttl)
	}
	if ps, ok := s.Data["policies"].([]any); ok {
		for _, p := range ps {
			if str, ok := p.(string); ok {
				a.Policies = append(a.Policies, str)
			}
		}
	}
	return &vault.Secret{RequestID: s.RequestID, Auth: a}, nil
}

func numberOf(v any) (int64, error) {
	switch n := v.(type) {
	case json.Number:
		return n.Int64()
	case float64:
		return int64(n), nil
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	}
	return 0, fmt.Errorf("auth: %v is not a number", v)
}
