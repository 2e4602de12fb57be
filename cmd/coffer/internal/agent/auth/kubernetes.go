package auth

import (
	"context"
	"errors"
	"fmt"

	vault "github.com/hashicorp/vault/api"
)

// DefaultServiceAccountTokenPath is where Kubernetes mounts a pod's
// service account token.
const DefaultServiceAccountTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"

// Kubernetes is the kubernetes method: the pod's service account JWT is
// sent to the server, which has it reviewed by the Kubernetes API.
type Kubernetes struct {
	MountPath string
	Role      string
	TokenPath string
}

// Login reads the JWT (again on every login: projected tokens rotate)
// and POSTs {role, jwt} to <mount>/login.
func (m *Kubernetes) Login(ctx context.Context, c *vault.Client) (*vault.Secret, error) {
	jwt, err := readTrimmed(m.TokenPath)
	if err != nil {
		return nil, fmt.Errorf("auth: kubernetes: service account token: %w", err)
	}
	if jwt == "" {
		return nil, errors.New("auth: kubernetes: service account token file is empty")
	}
	return login(ctx, c, m.MountPath, map[string]any{"role": m.Role, "jwt": jwt})
}
