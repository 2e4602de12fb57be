package auth

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/cmd/coffer/internal/agent/config"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

func TestKubernetesLoginSendsRoleAndFreshJWT(t *testing.T) {
	f := newFakeVault(t)
	dir := t.TempDir()
	jwtPath := filepath.Join(dir, "token")
	writeFile(t, jwtPath, "eyJhbGciOiJSUzI1NiJ9.first.sig\n")
	m, err := New(config.Method{Type: "kubernetes", MountPath: "auth/k8s-prod", Config: map[string]any{"role": "myapp", "token_path": jwtPath}})
	require.NoError(t, err)
	s, err := m.Login(t.Context(), f.client())
	require.NoError(t, err)
	require.Equal(t, "hvs.issued-1", s.Auth.ClientToken)
	require.Equal(t, "myapp-sa", s.Auth.Metadata["service_account_name"])
	require.Equal(t, map[string]any{"role": "myapp", "jwt": "eyJhbGciOiJSUzI1NiJ9.first.sig"}, f.lastBody("/v1/auth/k8s-prod/login"))

	writeFile(t, jwtPath, "eyJhbGciOiJSUzI1NiJ9.rotated.sig")
	_, err = m.Login(t.Context(), f.client())
	require.NoError(t, err)
	require.Equal(t, "eyJhbGciOiJSUzI1NiJ9.rotated.sig", f.lastBody("/v1/auth/k8s-prod/login")["jwt"])

	require.NoError(t, os.Remove(jwtPath))
	_, err = m.Login(t.Context(), f.client())
	require.ErrorContains(t, err, "service account token")
}

func TestKubernetesDefaults(t *testing.T) {
	m, err := New(config.Method{Type: "kubernetes", MountPath: "auth/kubernetes", Config: map[string]any{"role": "r"}})
	require.NoError(t, err)
	require.Equal(t, DefaultServiceAccountTokenPath, m.(*Kubernetes).TokenPath)
	_, err = New(config.Method{Type: "kubernetes", MountPath: "auth/kubernetes", Config: map[string]any{}})
	require.ErrorIs(t, err, ErrConfig)
	_, err = New(config.Method{Type: "kubernetes", Config: map[string]any{"role": 7}})
	require.ErrorIs(t, err, ErrConfig)
}

func TestAppRoleLoginRemovesSecretIDFileAndKeepsIt(t *testing.T) {
	f := newFakeVault(t)
	dir := t.TempDir()
	roleFile, secretFile := filepath.Join(dir, "role-id"), filepath.Join(dir, "secret-id")
	writeFile(t, roleFile, "role-123\n")
	writeFile(t, secretFile, "secret-456\n")
	m, err := New(config.Method{Type: "approle", MountPath: "auth/approle", Config: map[string]any{
		"role_id_file_path": roleFile, "secret_id_file_path": secretFile}})
	require.NoError(t, err)
	s, err := m.Login(t.Context(), f.client())
	require.NoError(t, err)
	require.Equal(t, "hvs.issued-1", s.Auth.ClientToken)
	require.Equal(t, map[string]any{"role_id": "role-123", "secret_id": "secret-456"}, f.lastBody("/v1/auth/approle/login"))
	_, err = os.Stat(secretFile)
	require.True(t, os.IsNotExist(err), "secret id file not removed after reading")

	// The next login (after the token ran out) uses the secret id read before.
	_, err = m.Login(t.Context(), f.client())
	require.NoError(t, err)
	require.Equal(t, "secret-456", f.lastBody("/v1/auth/approle/login")["secret_id"])
}

func TestAppRoleWithoutSecretIDAndKeepingFile(t *testing.T) {
	f := newFakeVault(t)
	dir := t.TempDir()
	roleFile, secretFile := filepath.Join(dir, "role-id"), filepath.Join(dir, "secret-id")
	writeFile(t, roleFile, "role-123")
	m, err := New(config.Method{Type: "approle", MountPath: "auth/approle", Config: map[string]any{"role_id_file_path": roleFile}})
	require.NoError(t, err)
	_, err = m.Login(t.Context(), f.client())
	require.NoError(t, err)
	require.Equal(t, map[string]any{"role_id": "role-123"}, f.lastBody("/v1/auth/approle/login"))

	writeFile(t, secretFile, "s1")
	m, err = New(config.Method{Type: "approle", MountPath: "auth/approle", Config: map[string]any{
		"role_id_file_path": roleFile, "secret_id_file_path": secretFile, "remove_secret_id_file_after_reading": false}})
	require.NoError(t, err)
	_, err = m.Login(t.Context(), f.client())
	require.NoError(t, err)
	_, err = os.Stat(secretFile)
	require.NoError(t, err, "secret id file removed although asked not to")

	_, err = New(config.Method{Type: "approle", Config: map[string]any{}})
	require.ErrorIs(t, err, ErrConfig)
}

func TestAppRoleUnwrapsWrappedSecretID(t *testing.T) {
	f := newFakeVault(t)
	f.wrapped["hvs.wrapping"] = "secret-from-wrap"
	dir := t.TempDir()
	roleFile, secretFile := filepath.Join(dir, "role-id"), filepath.Join(dir, "secret-id")
	writeFile(t, roleFile, "role-123")
	writeFile(t, secretFile, `{"token":"hvs.wrapping","ttl":60,"creation_path":"auth/approle/role/app/secret-id"}`)
	method := config.Method{Type: "approle", MountPath: "auth/approle", Config: map[string]any{
		"role_id_file_path": roleFile, "secret_id_file_path": secretFile,
		"secret_id_response_wrapping_path": "auth/approle/role/app/secret-id"}}
	m, err := New(method)
	require.NoError(t, err)
	_, err = m.Login(t.Context(), f.client())
	require.NoError(t, err)
	require.Equal(t, "secret-from-wrap", f.lastBody("/v1/auth/approle/login")["secret_id"])

	// A wrapping token created elsewhere is refused before it is used.
	f.wrapped["hvs.other"] = "x"
	writeFile(t, secretFile, "hvs.other")
	method.Config["secret_id_response_wrapping_path"] = "auth/approle/role/other/secret-id"
	m, err = New(method)
	require.NoError(t, err)
	_, err = m.Login(t.Context(), f.client())
	require.ErrorContains(t, err, `not "auth/approle/role/other/secret-id"`)
	require.Contains(t, f.wrapped, "hvs.other", "the wrapping token was consumed")
}

func TestTokenFileLooksUpAndRereads(t *testing.T) {
	f := newFakeVault(t)
	f.tokens["hvs.file-1"] = true
	f.tokens["hvs.file-2"] = true
	path := filepath.Join(t.TempDir(), "token")
	writeFile(t, path, "hvs.file-1\n")
	m, err := New(config.Method{Type: "token_file", MountPath: "auth/token", Config: map[string]any{"token_file_path": path}})
	require.NoError(t, err)
	s, err := m.Login(t.Context(), f.client())
	require.NoError(t, err)
	require.Equal(t, "hvs.file-1", s.Auth.ClientToken)
	require.Equal(t, 3600, s.Auth.LeaseDuration)
	require.True(t, s.Auth.Renewable)

	writeFile(t, path, "hvs.file-2")
	s, err = m.Login(t.Context(), f.client())
	require.NoError(t, err)
	require.Equal(t, "hvs.file-2", s.Auth.ClientToken)

	f.revoke("hvs.file-2")
	_, err = m.Login(t.Context(), f.client())
	require.True(t, IsPermissionDenied(err), "%v", err)

	// Removed file: the cached token is used.
	f.tokens["hvs.file-2"] = true
	require.NoError(t, os.Remove(path))
	s, err = m.Login(t.Context(), f.client())
	require.NoError(t, err)
	require.Equal(t, "hvs.file-2", s.Auth.ClientToken)

	fresh := &TokenFile{Path: path}
	_, err = fresh.Login(t.Context(), f.client())
	require.ErrorContains(t, err, "no token read before")
}
