package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/cofferhq/coffer/commands/acl"
	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/engines/sys"
	"github.com/cofferhq/coffer/engines/token"
	"github.com/cofferhq/coffer/gateway"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/kmsseal"
	"github.com/cofferhq/coffer/ledger/shamir"
)

// SealConfig chooses a node's seal.
type SealConfig struct {
	// Type is "shamir" (default) or "awskms".
	Type string
	KMS  kmsseal.Config
}

// sealManager owns the node's seal state: initialisation, Shamir unseal
// progress, KMS auto-unseal, sealing and rekeying. It is the SealState the
// sys engine reports.
type sealManager struct {
	n   *Node
	cfg SealConfig
	kms *kmsseal.Seal

	mu          sync.Mutex
	initialized bool
	info        ledger.SealInfo
	unsealer    *shamir.Unsealer
	rekey       *rekeyAttempt
	lastErr     string // why an auto-unseal has not succeeded yet

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newSealManager(ctx context.Context, n *Node) (*sealManager, error) {
	m := &sealManager{n: n, cfg: n.cfg.Seal}
	if m.cfg.Type == "" {
		m.cfg.Type = shamir.SealType
	}
	if m.cfg.Type == kmsseal.SealType {
		k, err := kmsseal.New(ctx, m.cfg.KMS)
		if err != nil {
			return nil, err
		}
		m.kms = k
	}
	if err := m.refresh(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// refresh reloads the seal record from the ledger.
func (m *sealManager) refresh(ctx context.Context) error {
	info, err := m.n.ledger.ReadSealInfo(ctx)
	if errors.Is(err, ledger.ErrNotInitialized) {
		return nil
	}
	if err != nil {
		return err
	}
	if !m.n.cfg.Dev && info.Type != m.cfg.Type {
		return fmt.Errorf("node: the ledger is sealed by %q but the config names %q (seal migration is not supported)", info.Type, m.cfg.Type)
	}
	m.mu.Lock()
	m.initialized, m.info = true, info
	m.mu.Unlock()
	return nil
}

// SealState, for sys/health and sys/seal-status.

// Sealed is true until the unsealed node is fully up: the ledger may
// already hold its keys while projections are still catching up.
func (m *sealManager) Sealed() bool {
	m.n.mu.Lock()
	defer m.n.mu.Unlock()
	return m.n.active == nil
}

func (m *sealManager) Initialized() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.initialized
}

func (m *sealManager) SealType() string {
	if m.n.cfg.Dev {
		return shamir.SealType
	}
	return m.cfg.Type
}

func (m *sealManager) Threshold() (int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.info.Type == kmsseal.SealType {
		return m.info.RecoveryThreshold, m.info.RecoveryShares
	}
	return m.info.SecretThreshold, m.info.SecretShares
}

func (m *sealManager) Progress() (int, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.unsealer == nil {
		return 0, ""
	}
	return m.unsealer.Progress(), m.unsealer.Nonce()
}

func (m *sealManager) RecoverySeal() bool { return m.cfg.Type == kmsseal.SealType && !m.n.cfg.Dev }

// sealedGateway serves a sealed node: health, seal status, init and
// unseal; everything else answers 503.
func (m *sealManager) sealedGateway() http.Handler {
	deps := framework.Deps{Ledger: m.n.ledger, Log: m.n.cfg.Log}
	return gateway.New(gateway.Config{
		Deps:   deps,
		Limits: gateway.DefaultLimits,
		Mounts: func(string) (gateway.Mount, string, bool) { return gateway.Mount{}, "", false },
		ACL:    func([]string) (*acl.ACL, error) { return acl.New(), nil },
		Tokens: sealedTokens{},
		Sys:    framework.Merge(sys.StatusPaths(deps, sys.Options{Seal: m, Version: Version}), m.publicPaths()),
		Token:  framework.Paths{},
		Sealed: func() bool { return true },
		Log:    m.n.cfg.Log,
	})
}

// sealedTokens refuses every token: nothing can be authenticated while
// the keys are gone.
type sealedTokens struct{}

func (sealedTokens) Resolve(context.Context, string) (*framework.Auth, error) {
	return nil, framework.ErrPermissionDenied
}
func (sealedTokens) Use(context.Context, *framework.Auth) error { return nil }

// sealRootPaths need sudo.
func sealRootPaths() []string { return []string{"sys/seal"} }

// publicPaths answer without a token, sealed or not, as in Vault.
func (m *sealManager) publicPaths() framework.Paths {
	public := func(ops map[framework.Operation]framework.HandlerFunc) *framework.Path {
		return &framework.Path{Operations: ops, Unauthenticated: true, Unaudited: true}
	}
	initPath := public(map[framework.Operation]framework.HandlerFunc{
		framework.ReadOperation:   m.handleInitStatus,
		framework.UpdateOperation: m.handleInit,
	})
	initPath.Pattern = "init"
	unseal := public(map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: m.handleUnseal})
	unseal.Pattern = "unseal"
	return framework.Paths{initPath, unseal}
}

// unsealedPaths add sealing and rekeying to the public ones.
func (m *sealManager) unsealedPaths() framework.Backend {
	paths := m.publicPaths()
	paths = append(paths,
		&framework.Path{Pattern: "seal", Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: m.handleSeal}},
		&framework.Path{Pattern: "rekey/init", Unauthenticated: true, Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation:   m.handleRekeyStatus,
			framework.UpdateOperation: m.handleRekeyInit,
			framework.DeleteOperation: m.handleRekeyCancel,
		}},
		&framework.Path{Pattern: "rekey/update", Unauthenticated: true, Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: m.handleRekeyUpdate,
		}},
	)
	return paths
}

func (m *sealManager) handleInitStatus(*framework.Request) (*framework.Response, error) {
	return &framework.Response{Raw: mustJSON(map[string]bool{"initialized": m.Initialized()}), RawContentType: "application/json"}, nil
}

func intField(req *framework.Request, key string, def int) (int, error) {
	v, ok, err := req.Int(key)
	if err != nil || !ok {
		return def, err
	}
	return int(v), nil
}

// handleInit is PUT sys/init: create the root key, the keyring and the
// root token, and hand out the unseal (or recovery) key shares.
func (m *sealManager) handleInit(req *framework.Request) (*framework.Response, error) {
	if m.n.cfg.Dev || m.Initialized() {
		return nil, framework.BadRequest("Vault is already initialized")
	}
	if pgp, ok := req.Data["pgp_keys"]; ok && pgp != nil {
		return nil, framework.BadRequest("pgp_keys are not supported")
	}
	ctx := req.Context()
	var (
		seal   ledger.Seal
		info   ledger.SealInfo
		shares [][]byte
		out    = map[string]any{"keys": []string{}, "keys_base64": []string{}}
	)
	switch m.cfg.Type {
	case kmsseal.SealType:
		n, err := intField(req, "recovery_shares", 5)
		if err != nil {
			return nil, err
		}
		t, err := intField(req, "recovery_threshold", 3)
		if err != nil {
			return nil, err
		}
		recoveryKey := ledger.RandomKey()
		if shares, err = shamir.Split(recoveryKey, n, t); err != nil {
			return nil, framework.BadRequest("%v", err)
		}
		check, err := ledger.SealWith(recoveryKey, recoveryAAD, []byte("coffer-recovery"))
		if err != nil {
			return nil, err
		}
		clear(recoveryKey)
		seal, info = m.kms, ledger.SealInfo{RecoveryShares: n, RecoveryThreshold: t, RecoveryCheck: check}
		keys, keys64 := shamir.EncodeShares(shares)
		out["recovery_keys"], out["recovery_keys_base64"] = keys, keys64
	default:
		n, err := intField(req, "secret_shares", 0)
		if err != nil {
			return nil, err
		}
		t, err := intField(req, "secret_threshold", 0)
		if err != nil {
			return nil, err
		}
		if n > 1 && t < 2 {
			return nil, framework.BadRequest("threshold must be greater than one for multiple shares")
		}
		s, sh, err := shamir.Generate(n, t)
		if err != nil {
			return nil, framework.BadRequest("%v", err)
		}
		seal, shares, info = s, sh, ledger.SealInfo{SecretShares: n, SecretThreshold: t}
		out["keys"], out["keys_base64"] = shamir.EncodeShares(shares)
	}
	if err := m.n.ledger.InitWith(ctx, seal, info); err != nil {
		return nil, fmt.Errorf("node: init: %w", err)
	}
	stored, err := m.n.ledger.ReadSealInfo(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.initialized, m.info = true, stored
	m.mu.Unlock()
	if err := m.n.activate(ctx); err != nil {
		return nil, fmt.Errorf("node: activate after init: %w", err)
	}
	deps, _ := m.n.activeDeps()
	root, err := token.EnsureRoot(bootContext(ctx), deps, "")
	if err != nil {
		return nil, fmt.Errorf("node: root token: %w", err)
	}
	out["root_token"] = root
	m.n.cfg.Log.Info("coffer initialized", "seal", seal.Type())
	return &framework.Response{Raw: mustJSON(out), RawContentType: "application/json"}, nil
}

var recoveryAAD = []byte("coffer-recovery-check")

func (m *sealManager) statusResponse() (*framework.Response, error) {
	t, n := m.Threshold()
	progress, nonce := m.Progress()
	return &framework.Response{Raw: mustJSON(map[string]any{
		"type": m.SealType(), "initialized": m.Initialized(), "sealed": m.Sealed(), "t": t, "n": n,
		"progress": progress, "nonce": nonce, "version": Version, "migration": false,
		"recovery_seal": m.RecoverySeal(), "storage_type": "ledger",
	}), RawContentType: "application/json"}, nil
}

// handleUnseal is PUT sys/unseal: collect shares until the threshold, then
// unseal and activate.
func (m *sealManager) handleUnseal(req *framework.Request) (*framework.Response, error) {
	if !m.Initialized() {
		return nil, framework.BadRequest("Vault is not initialized")
	}
	if !m.Sealed() {
		return m.statusResponse()
	}
	if reset, _, err := req.Bool("reset"); err != nil {
		return nil, err
	} else if reset {
		m.mu.Lock()
		if m.unsealer != nil {
			m.unsealer.Reset()
		}
		m.mu.Unlock()
		return m.statusResponse()
	}
	if m.cfg.Type == kmsseal.SealType {
		return nil, framework.BadRequest("this node unseals itself with AWS KMS; recovery keys cannot unseal it")
	}
	raw, _, err := req.String("key")
	if err != nil {
		return nil, err
	}
	if raw == "" {
		return nil, framework.BadRequest("missing required input key")
	}
	share, err := shamir.ParseShare(raw)
	if err != nil {
		return nil, framework.BadRequest("%v", err)
	}
	m.mu.Lock()
	if m.unsealer == nil {
		u, err := shamir.NewUnsealer(m.info.SecretThreshold, m.info.SecretShares, shamir.OpensRootKey(m.info.WrappedRootKey))
		if err != nil {
			m.mu.Unlock()
			return nil, err
		}
		m.unsealer = u
	}
	u := m.unsealer
	m.mu.Unlock()
	_, done, key, err := u.Submit(share)
	switch {
	case errors.Is(err, shamir.ErrDuplicateShare), errors.Is(err, shamir.ErrMalformedShare):
		return nil, framework.BadRequest("%v", err)
	case errors.Is(err, shamir.ErrWrongShares):
		return nil, framework.BadRequest("the unseal keys do not open this ledger: wrong share set (unseal attempt reset)")
	case err != nil:
		return nil, err
	}
	if done {
		defer clear(key)
		seal, err := shamir.NewSeal(key)
		if err != nil {
			return nil, err
		}
		if err := m.n.ledger.Unseal(req.Context(), seal); err != nil {
			return nil, fmt.Errorf("node: unseal: %w", err)
		}
		if err := m.n.activate(req.Context()); err != nil {
			return nil, fmt.Errorf("node: activate after unseal: %w", err)
		}
		m.n.cfg.Log.Info("coffer unsealed")
	}
	return m.statusResponse()
}

// handleSeal is PUT sys/seal (sudo). The node seals after the response
// (and its audit record) are out, since sealing stops the ledger writer.
func (m *sealManager) handleSeal(*framework.Request) (*framework.Response, error) {
	return &framework.Response{Stream: func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		m.sealNow()
	}}, nil
}

func (m *sealManager) sealNow() {
	if err := m.n.deactivate(); err != nil {
		m.n.cfg.Log.Error("seal: stopping the unsealed node", "err", err)
	}
	m.n.ledger.Seal()
	m.mu.Lock()
	if m.unsealer != nil {
		m.unsealer.Reset()
	}
	m.rekey = nil
	m.mu.Unlock()
	m.n.cfg.Log.Info("coffer sealed")
}

// startAutoUnseal unseals an initialised KMS-sealed node in the
// background, retrying with backoff while KMS is unreachable and logging
// why it is still sealed.
func (m *sealManager) startAutoUnseal() {
	if m.kms == nil || !m.Initialized() {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		b := kmsseal.Backoff{Initial: 500 * time.Millisecond, Max: 30 * time.Second, OnError: func(err error, wait time.Duration) {
			m.mu.Lock()
			m.lastErr = err.Error()
			m.mu.Unlock()
			m.n.cfg.Log.Warn("still sealed: AWS KMS unseal failed; retrying", "err", err, "retry_in", wait.Round(time.Millisecond))
		}}
		// Every failure is retried, the unreachable and the refused alike:
		// a key can be re-enabled and a policy fixed without a restart.
		// The logged error says which it is.
		err := b.Retry(ctx, func(ctx context.Context) error {
			if err := m.n.ledger.Unseal(ctx, m.kms); err != nil {
				return err
			}
			return m.n.activate(ctx)
		})
		if err != nil && ctx.Err() == nil {
			m.n.cfg.Log.Error("auto-unseal gave up", "err", err)
			return
		}
		if err == nil {
			m.mu.Lock()
			m.lastErr = ""
			m.mu.Unlock()
			m.n.cfg.Log.Info("coffer unsealed with AWS KMS")
		}
	}()
}

func (m *sealManager) stop() {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
}
