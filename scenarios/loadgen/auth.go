package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	vault "github.com/hashicorp/vault/api"
)

// Login scenarios (issue 13): the hottest path of a Kubernetes fleet at
// start-up. Each login mints a token the server must make durable, so
// they take the token-create write path plus the method's own check.
//
//   - approle-login: role_id + secret_id (unlimited uses) to
//     auth/approle/login; each worker has its own role and secret ID.
//   - userpass-login: auth/userpass/login/<user> with a bcrypt-hashed
//     password (cost 10, Vault's): one user per worker, so the per-user
//     limiter never sees a failure.
//
// Setup enables the method (the first worker wins; "already in use" is
// expected from the others) and writes the role or user, untimed.
func init() {
	maps.Copy(scenarios, map[string]scenario{
		"approle-login":  {setup: approleSetup, op: login},
		"userpass-login": {setup: userpassSetup, op: login},
	})
}

// loginState is what a login scenario's worker sends.
type loginState struct {
	path string
	body map[string]any
}

func enableAuth(ctx context.Context, c *vault.Client, typ string) error {
	err := c.Sys().EnableAuthWithOptionsWithContext(ctx, typ, &vault.EnableAuthOptions{Type: typ})
	if err != nil && !strings.Contains(err.Error(), "already in use") {
		return err
	}
	return nil
}

// approleSetup gives each worker its own role: workers writing one role
// together made OpenBao's transactional raft storage refuse the setup
// ("transaction commit failed"), voiding its approle figure.
func approleSetup(ctx context.Context, w *worker, fail func(error)) {
	c := w.client
	if err := enableAuth(ctx, c, "approle"); err != nil {
		fail(err)
		return
	}
	role := fmt.Sprintf("auth/approle/role/loadgen-%d", w.id)
	if _, err := c.Logical().WriteWithContext(ctx, role, map[string]any{"token_policies": "default", "token_ttl": "1h"}); err != nil {
		fail(err)
		return
	}
	rid, err := c.Logical().ReadWithContext(ctx, role+"/role-id")
	if err != nil || rid == nil {
		fail(fmt.Errorf("role-id: %v", err))
		return
	}
	sid, err := c.Logical().WriteWithContext(ctx, role+"/secret-id", nil)
	if err != nil || sid == nil {
		fail(fmt.Errorf("secret-id: %v", err))
		return
	}
	w.state = loginState{path: "auth/approle/login", body: map[string]any{"role_id": rid.Data["role_id"], "secret_id": sid.Data["secret_id"]}}
}

func userpassSetup(ctx context.Context, w *worker, fail func(error)) {
	c := w.client
	if err := enableAuth(ctx, c, "userpass"); err != nil {
		fail(err)
		return
	}
	user := fmt.Sprintf("loadgen-%d", w.id)
	password := w.value()
	if len(password) > 32 {
		password = password[:32] // bcrypt takes at most 72 bytes
	}
	if _, err := c.Logical().WriteWithContext(ctx, "auth/userpass/users/"+user, map[string]any{"password": password, "token_policies": "default", "token_ttl": "1h"}); err != nil {
		fail(err)
		return
	}
	w.state = loginState{path: "auth/userpass/login/" + user, body: map[string]any{"password": password}}
}

// login sends the worker's login; the response must carry a token.
func login(ctx context.Context, w *worker) error {
	st, ok := w.state.(loginState)
	if !ok {
		return errors.New("no login prepared")
	}
	s, err := w.client.Logical().WriteWithContext(ctx, st.path, st.body)
	if err != nil {
		return err
	}
	if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
		return errors.New("login returned no auth.client_token")
	}
	return nil
}
