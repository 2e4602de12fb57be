package clientcmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/pflag"
)

// defaultAddress differs from the api package's https default: a local
// Coffer dev server listens on plain HTTP.
const defaultAddress = "http://127.0.0.1:8200"

// globals holds the flags every client command accepts.
type globals struct {
	address    string
	format     string
	caCert     string
	skipVerify bool
	// outputCurlString and outputPolicy print the first request a command
	// would send (as curl) or the policy it needs, instead of sending it.
	outputCurlString bool
	outputPolicy     bool
	// wrapTTL asks the server to wrap the response in a single-use token
	// (X-Vault-Wrap-TTL), as Vault's -wrap-ttl.
	wrapTTL string
}

func (g *globals) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&g.address, "address", "", "Address of the Coffer server (env COFFER_ADDR, VAULT_ADDR)")
	fs.StringVar(&g.format, "format", "", `Output format: "table" or "json" (env COFFER_FORMAT, VAULT_FORMAT)`)
	fs.StringVar(&g.caCert, "ca-cert", "", "PEM CA certificate file used to verify the server (env COFFER_CACERT, VAULT_CACERT)")
	fs.BoolVar(&g.skipVerify, "tls-skip-verify", false, "Skip TLS certificate verification (insecure)")
	fs.BoolVar(&g.outputCurlString, "output-curl-string", false, "Print the API request as a curl command instead of sending it")
	fs.BoolVar(&g.outputPolicy, "output-policy", false, "Print the ACL policy the command needs instead of running it")
	fs.StringVar(&g.wrapTTL, "wrap-ttl", "", "Wrap the response in a single-use token valid for this long, e.g. 60s (env COFFER_WRAP_TTL, VAULT_WRAP_TTL)")
}

// outputFormat resolves -format, then the environment, then "table".
func (g *globals) outputFormat() string {
	f := g.format
	if f == "" {
		f = firstEnv("COFFER_FORMAT", "VAULT_FORMAT")
	}
	if f == "" {
		f = "table"
	}
	return strings.ToLower(f)
}

// firstEnv returns the first non-empty variable; COFFER_* names come first
// so they override the VAULT_* names that the api package reads itself.
func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// client builds an API client: the api package applies VAULT_* variables,
// then COFFER_* variables and flags are layered on top.
func (g *globals) client() (*api.Client, error) {
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		return nil, fmt.Errorf("error reading client configuration: %w", cfg.Error)
	}
	switch {
	case g.address != "":
		cfg.Address = g.address
	case os.Getenv("COFFER_ADDR") != "":
		cfg.Address = os.Getenv("COFFER_ADDR")
	case os.Getenv(api.EnvVaultAddress) == "" && os.Getenv(api.EnvVaultAgentAddr) == "":
		cfg.Address = defaultAddress
	}
	if err := g.configureTLS(cfg); err != nil {
		return nil, err
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("error initializing client: %w", err)
	}
	if t := firstEnv("COFFER_TOKEN", api.EnvVaultToken); t != "" {
		c.SetToken(t)
	} else if t := tokenFromFile(); t != "" {
		c.SetToken(t)
	} else {
		c.ClearToken()
	}
	if ttl := firstNonEmpty(g.wrapTTL, firstEnv("COFFER_WRAP_TTL", api.EnvVaultWrapTTL)); ttl != "" {
		c.SetWrappingLookupFunc(func(string, string) string { return ttl })
	}
	return c, nil
}

// configureTLS only touches TLS when a COFFER_* variable or a flag asks for
// it, because ConfigureTLS resets whatever VAULT_* settings it is not given;
// so it is handed the merged COFFER_*/VAULT_* view.
func (g *globals) configureTLS(cfg *api.Config) error {
	cofferSet := g.caCert != "" || g.skipVerify
	for _, n := range []string{"COFFER_CACERT", "COFFER_CAPATH", "COFFER_CLIENT_CERT", "COFFER_CLIENT_KEY", "COFFER_SKIP_VERIFY", "COFFER_TLS_SERVER_NAME"} {
		cofferSet = cofferSet || os.Getenv(n) != ""
	}
	if !cofferSet {
		return nil
	}
	t := &api.TLSConfig{
		CACert:        firstNonEmpty(g.caCert, firstEnv("COFFER_CACERT", api.EnvVaultCACert)),
		CAPath:        firstEnv("COFFER_CAPATH", api.EnvVaultCAPath),
		ClientCert:    firstEnv("COFFER_CLIENT_CERT", api.EnvVaultClientCert),
		ClientKey:     firstEnv("COFFER_CLIENT_KEY", api.EnvVaultClientKey),
		TLSServerName: firstEnv("COFFER_TLS_SERVER_NAME", api.EnvVaultTLSServerName),
		Insecure:      g.skipVerify,
	}
	if v := firstEnv("COFFER_SKIP_VERIFY", api.EnvVaultSkipVerify); v != "" && !t.Insecure {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("could not parse skip-verify setting %q", v)
		}
		t.Insecure = b
	}
	if err := cfg.ConfigureTLS(t); err != nil {
		return fmt.Errorf("error configuring TLS: %w", err)
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// tokenFromFile reads ~/.vault-token, where `vault login` stores its token;
// sharing the file lets a Vault login drive coffer commands too.
func tokenFromFile() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(home, ".vault-token"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
