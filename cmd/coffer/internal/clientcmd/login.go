package clientcmd

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/cobra"
)

// localServiceAccountToken is where a pod's service account token is
// mounted; -method=kubernetes reads it when no jwt= is given.
const localServiceAccountToken = "/var/run/secrets/kubernetes.io/serviceaccount/token"

// `coffer login` mirrors `vault login`: -method=token (the default) checks
// the token with a self lookup; userpass, approle and kubernetes write
// auth/<path>/login with the K=V arguments. The token is stored in
// ~/.vault-token (where the other commands and the vault CLI look) unless
// -no-store.
func (a *app) loginCmd() *cobra.Command {
	var method, mountPath, field string
	var noStore, tokenOnly, noPrint bool
	cmd := &cobra.Command{
		Use:   "login [flags] [TOKEN | K=V...]",
		Short: "Authenticate and store the token (methods: token, userpass, approle, kubernetes)",
		Args:  nArgs(0, -1),
	}
	cmd.RunE = a.run(func(ctx context.Context, cmd *cobra.Command, args []string, c *api.Client, o *output) error {
		secret, err := a.login(ctx, cmd, c, method, firstNonEmpty(mountPath, method), args)
		if err != nil {
			return err
		}
		if secret == nil || secret.Auth == nil || secret.Auth.ClientToken == "" {
			return fail(2, "Error authenticating: no token in the response")
		}
		if !noStore {
			if err := storeToken(secret.Auth.ClientToken); err != nil {
				return fail(2, "Error storing token: %s", err)
			}
		}
		switch {
		case tokenOnly:
			return o.field(secret.Auth.ClientToken, "token")
		case field != "":
			return o.field(secretField(secret, field), field)
		case noPrint:
			return nil
		}
		if o.isTable() {
			if noStore {
				o.infof("Success! You are now authenticated. The token information displayed below\n" +
					"is not stored: -no-store was given. Pass it with COFFER_TOKEN or -token.\n")
			} else {
				o.infof("Success! You are now authenticated. The token information displayed below\n" +
					"is already stored in the token helper. You do NOT need to run \"coffer login\"\n" +
					"again. Future requests will automatically use this token.\n")
			}
		}
		return o.secret(secret)
	})
	f := cmd.Flags()
	f.StringVar(&method, "method", "token", "Auth method: token, userpass, approle or kubernetes")
	f.StringVar(&mountPath, "path", "", "Mount path of the auth method (default: the method name)")
	f.StringVar(&field, "field", "", "Print only this field of the response")
	f.BoolVar(&noStore, "no-store", false, "Do not store the token in ~/.vault-token")
	f.BoolVar(&tokenOnly, "token-only", false, "Print only the token (implies no banner)")
	f.BoolVar(&noPrint, "no-print", false, "Print nothing on success")
	return cmd
}

func (a *app) login(ctx context.Context, cmd *cobra.Command, c *api.Client, method, mount string, args []string) (*api.Secret, error) {
	if method == "token" {
		return tokenLogin(ctx, cmd, c, args)
	}
	data, err := parseArgsData(cmd.InOrStdin(), args)
	if err != nil {
		return nil, fail(1, "Failed to parse K=V data: %s", err)
	}
	base := "auth/" + strings.Trim(sanitizePath(mount), "/")
	var p string
	switch method {
	case "userpass":
		user, _ := data["username"].(string)
		if user == "" {
			return nil, fail(1, "Error authenticating: username must be given (username=NAME)")
		}
		delete(data, "username")
		if _, ok := data["password"]; !ok {
			pw, err := prompt(cmd, "Password: ")
			if err != nil {
				return nil, fail(2, "Error reading password: %s", err)
			}
			data["password"] = pw
		}
		p = base + "/login/" + user
	case "approle":
		p = base + "/login"
	case "kubernetes":
		if _, ok := data["jwt"]; !ok {
			b, err := os.ReadFile(localServiceAccountToken)
			if err != nil {
				return nil, fail(1, "Error authenticating: jwt must be given (jwt=@FILE), or run in a pod: %s", err)
			}
			data["jwt"] = strings.TrimSpace(string(b))
		}
		p = base + "/login"
	default:
		return nil, fail(1, "Unknown auth method: %s. Use \"coffer write %s/login\" for methods the login command does not know.", method, base)
	}
	c.ClearToken()
	secret, err := c.Logical().WriteWithContext(ctx, p, data)
	if err != nil {
		return nil, fail(2, "Error authenticating: %s", err)
	}
	return secret, nil
}

// tokenLogin checks a token (argument, token=, "-" for stdin, or a prompt)
// with a self lookup and answers with it as an auth block, as vault does.
func tokenLogin(ctx context.Context, cmd *cobra.Command, c *api.Client, args []string) (*api.Secret, error) {
	var tok string
	switch {
	case len(args) > 1:
		return nil, fail(1, "Too many arguments (expected 1, got %d)", len(args))
	case len(args) == 1 && args[0] == "-":
		b, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && b == "" {
			return nil, fail(2, "Error reading token from stdin: %s", err)
		}
		tok = strings.TrimSpace(b)
	case len(args) == 1:
		tok = strings.TrimPrefix(args[0], "token=")
	default:
		t, err := prompt(cmd, "Token: ")
		if err != nil {
			return nil, fail(2, "Error reading token: %s", err)
		}
		tok = t
	}
	if tok == "" {
		return nil, fail(1, "Error authenticating: no token provided")
	}
	c.SetToken(tok)
	self, err := c.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		return nil, fail(2, "Error authenticating: error looking up token: %s", err)
	}
	auth := &api.SecretAuth{ClientToken: tok}
	if self != nil {
		auth.Accessor, _ = self.Data["accessor"].(string)
		auth.TokenPolicies, _ = self.TokenPolicies()
		auth.Policies = auth.TokenPolicies
		auth.Renewable, _ = self.TokenIsRenewable()
		if ttl, err := self.TokenTTL(); err == nil {
			auth.LeaseDuration = int(ttl.Seconds())
		}
		auth.Metadata, _ = self.TokenMetadata()
	}
	return &api.Secret{Auth: auth}, nil
}

// prompt reads one line from stdin (the terminal echo is not turned off:
// pipe the secret in, or pass it as an argument).
func prompt(cmd *cobra.Command, msg string) (string, error) {
	fmt.Fprint(cmd.ErrOrStderr(), msg)
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

// storeToken writes ~/.vault-token (mode 0600), as the vault CLI's token
// helper does.
func storeToken(tok string) error {
	home, err := os.UserHomeDir()
	if err != nil {
		return err
	}
	p := filepath.Join(home, ".vault-token")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(tok), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}
