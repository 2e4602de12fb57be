package ledgercmd

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"

	"github.com/hashicorp/vault/api"
	"github.com/spf13/pflag"

	"github.com/cofferhq/coffer/ledger/transparency"
)

// target is where a command reads the ledger: a data dir, or a server.
type target struct {
	dataDir   string
	publicKey string
	address   string
}

func (t *target) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&t.dataDir, "data-dir", "", "verify a copy of this data dir offline instead of asking the server")
	fs.StringVar(&t.publicKey, "public-key", "", "checkpoint public key to trust (verifier key, base64 or hex); default: the one recorded in the ledger")
	fs.StringVar(&t.address, "address", "", "address of the Coffer server (env COFFER_ADDR, VAULT_ADDR)")
}

// pinnedKey parses -public-key; nil when it was not given.
func (t *target) pinnedKey() (ed25519.PublicKey, error) {
	if t.publicKey == "" {
		return nil, nil
	}
	return transparency.ParsePublicKey(t.publicKey)
}

// offlineKey is the key to check with offline: the pinned one, or the
// recorded one (with a warning to stderr).
func (t *target) offlineKey(ctx context.Context, a *app, src transparency.Source) (ed25519.PublicKey, error) {
	pub, err := t.pinnedKey()
	if err != nil || pub != nil {
		return pub, err
	}
	rec, err := transparency.StoredKey(ctx, src)
	if errors.Is(err, transparency.ErrNoKey) {
		return nil, fmt.Errorf("no checkpoint key is recorded in %s: was a checkpointer ever run? (pass -public-key to check anyway)", t.dataDir)
	}
	if err != nil {
		return nil, err
	}
	warnRecordedKey(a, rec.VerifierKey)
	return rec.PublicKey()
}

func warnRecordedKey(a *app, vkey string) {
	fmt.Fprintf(a.stderr, "WARNING! Using the checkpoint key recorded in the ledger itself: %s\nPin the key you obtained elsewhere with -public-key.\n", vkey)
}

// client builds a Vault API client: VAULT_* variables, then COFFER_* and
// -address on top, defaulting to a local dev server.
func (t *target) client() (*api.Client, error) {
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		return nil, cfg.Error
	}
	switch {
	case t.address != "":
		cfg.Address = t.address
	case os.Getenv("COFFER_ADDR") != "":
		cfg.Address = os.Getenv("COFFER_ADDR")
	case os.Getenv(api.EnvVaultAddress) == "":
		cfg.Address = "http://127.0.0.1:8200"
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	if tok := os.Getenv("COFFER_TOKEN"); tok != "" {
		c.SetToken(tok)
	}
	return c, nil
}

// read GETs a sys/ledger path and returns its data.
func (t *target) read(ctx context.Context, path string) (map[string]any, error) {
	return t.readWith(ctx, path, "")
}

// readWith GETs a sys/ledger path, passing the pinned public key (if any)
// as the public_key query parameter.
func (t *target) readWith(ctx context.Context, path, publicKey string) (map[string]any, error) {
	c, err := t.client()
	if err != nil {
		return nil, err
	}
	var query map[string][]string
	if publicKey != "" {
		query = map[string][]string{"public_key": {publicKey}}
	}
	s, err := c.Logical().ReadWithDataWithContext(ctx, path, query)
	var re *api.ResponseError
	if errors.As(err, &re) && re.StatusCode == 404 || err == nil && s == nil {
		return nil, fmt.Errorf("the server at %s does not serve %s; verify a copy of its data dir with -data-dir", c.Address(), path)
	}
	if err != nil {
		return nil, err
	}
	return s.Data, nil
}

// onlineKey is the key to check a server's answers with: the pinned one, or
// the one the server reports (with a warning).
func (t *target) onlineKey(ctx context.Context, a *app) (ed25519.PublicKey, error) {
	pub, err := t.pinnedKey()
	if err != nil || pub != nil {
		return pub, err
	}
	data, err := t.read(ctx, "sys/ledger/checkpoint-key")
	if err != nil {
		return nil, err
	}
	vkey, _ := data["verifier_key"].(string)
	warnRecordedKey(a, vkey)
	return transparency.ParsePublicKey(vkey)
}
