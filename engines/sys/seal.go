package sys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
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

// NodeHooks are what the seal needs from the node it belongs to.
type NodeHooks struct {
	// Activate builds the unsealed node on the unsealed ledger; Deactivate
	// tears it down. Active reports whether it is up.
	Activate   func(ctx context.Context) error
	Deactivate func() error
	Active     func() bool
	// RootToken makes a root token once the node is first initialised.
	RootToken func(ctx context.Context) (string, error)
}

// Sealer owns the node's seal state: initialisation, Shamir unseal
// progress, KMS auto-unseal, sealing and rekeying, and the sys paths that
// drive them (sys/init, sys/unseal, sys/seal, sys/rekey/*). It is the
// SealState sys/health and sys/seal-status report.
type Sealer struct {
	// sealing is held from the moment a response that seals the node
	// (sys/seal, a Shamir sys/init) is written until the node is sealed:
	// a client that sends sys/unseal as soon as it reads that response
	// must not find the node half torn down.
	sealing sync.Mutex
	ledger  *ledger.Store
	dev     bool
	log     *slog.Logger
	hooks   NodeHooks
	cfg     SealConfig
	kms     *kmsseal.Seal
	version string

	mu          sync.Mutex
	initialized bool
	info        ledger.SealInfo
	unsealer    *shamir.Unsealer
	rekey       *rekeyAttempt
	lastErr     string // why an auto-unseal has not succeeded yet

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// SealerOptions configure a Sealer.
type SealerOptions struct {
	Ledger  *ledger.Store
	Seal    SealConfig
	Dev     bool
	Version string
	Log     *slog.Logger
	Hooks   NodeHooks
}

// NewSealer reads the seal record of the ledger (if initialised) and
// prepares the configured seal. A dev node is initialised and unsealed by
// the node itself and always reports a Shamir seal.
func NewSealer(ctx context.Context, o SealerOptions) (*Sealer, error) {
	m := &Sealer{ledger: o.Ledger, cfg: o.Seal, dev: o.Dev, log: o.Log, hooks: o.Hooks, version: o.Version}
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
	if err := m.Refresh(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// Refresh reloads the seal record from the ledger.
func (m *Sealer) Refresh(ctx context.Context) error {
	info, err := m.ledger.ReadSealInfo(ctx)
	if errors.Is(err, ledger.ErrNotInitialized) {
		return nil
	}
	if err != nil {
		return err
	}
	if !m.dev && info.Type != m.cfg.Type {
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
func (m *Sealer) Sealed() bool {
	return !m.hooks.Active()
}

func (m *Sealer) Initialized() bool {
	m.mu.Lock()
	ok := m.initialized
	m.mu.Unlock()
	if !ok {
		// In a cluster another node may have initialised the shared
		// ledger since this one started.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if m.Refresh(ctx) == nil {
			m.mu.Lock()
			ok = m.initialized
			m.mu.Unlock()
		}
	}
	return ok
}

func (m *Sealer) SealType() string {
	if m.dev {
		return shamir.SealType
	}
	return m.cfg.Type
}

func (m *Sealer) Threshold() (int, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.info.Type == kmsseal.SealType {
		return m.info.RecoveryThreshold, m.info.RecoveryShares
	}
	return m.info.SecretThreshold, m.info.SecretShares
}

func (m *Sealer) Progress() (int, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.unsealer == nil {
		return 0, ""
	}
	return m.unsealer.Progress(), m.unsealer.Nonce()
}

func (m *Sealer) RecoverySeal() bool { return m.cfg.Type == kmsseal.SealType && !m.dev }

// SealedPaths is all a sealed node serves: health, seal status, init and
// unseal; everything else answers 503.
func (m *Sealer) SealedPaths() *framework.Backend {
	deps := framework.Deps{Ledger: m.ledger, Log: m.log}
	status := StatusPaths(deps, Options{Seal: m, Version: m.version})
	return &framework.Backend{Paths: append(status.Paths, m.publicPaths()...)}
}

// publicPaths answer without a token, sealed or not, as in Vault.
func (m *Sealer) publicPaths() []*framework.Path {
	public := func(ops map[framework.Operation]framework.HandlerFunc) *framework.Path {
		return &framework.Path{Operations: ops, Unauthenticated: true, Unaudited: true}
	}
	initPath := public(map[framework.Operation]framework.HandlerFunc{
		framework.ReadOperation:   m.handleInitStatus,
		framework.UpdateOperation: m.handleInit,
	})
	initPath.Pattern, initPath.Synopsis = "init", "Initializes or returns the initialization status of the node."
	initPath.Fields = map[string]*framework.FieldSchema{
		"secret_shares":      {Type: framework.TypeInt, Description: "Number of key shares to split the generated root key into."},
		"secret_threshold":   {Type: framework.TypeInt, Description: "Number of key shares required to reconstruct the root key."},
		"recovery_shares":    {Type: framework.TypeInt, Description: "Number of key shares to split the recovery key into (KMS seal)."},
		"recovery_threshold": {Type: framework.TypeInt, Description: "Number of key shares required to reconstruct the recovery key."},
		"pgp_keys":           {Type: framework.TypeCommaStringSlice, Description: "Not supported: refused when given."},
		"root_token_pgp_key": {Type: framework.TypeString, Description: "Not supported."},
		"stored_shares":      {Type: framework.TypeInt, Description: "Accepted for compatibility."},
	}
	unseal := public(map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: m.handleUnseal})
	unseal.Pattern, unseal.Synopsis = "unseal", "Unseals the node with one key share."
	unseal.Fields = map[string]*framework.FieldSchema{
		"key":     {Type: framework.TypeString, Description: "Specifies a single unseal key share."},
		"reset":   {Type: framework.TypeBool, Description: "Discard the previously-provided unseal keys."},
		"migrate": {Type: framework.TypeBool, Description: "Not supported (seal migration)."},
	}
	return []*framework.Path{initPath, unseal}
}

// unsealedPaths add sealing and rekeying to the public ones.
func (m *Sealer) unsealedPaths() *framework.Backend {
	paths := m.publicPaths()
	paths = append(paths,
		&framework.Path{Pattern: "seal", Fields: map[string]*framework.FieldSchema{}, Sudo: true, Synopsis: "Seals the node.", Operations: map[framework.Operation]framework.HandlerFunc{framework.UpdateOperation: m.handleSeal}},
		&framework.Path{Pattern: "rekey/init", Unauthenticated: true, Synopsis: "Starts, reads or cancels a rekey of the unseal (or recovery) key.", Fields: map[string]*framework.FieldSchema{
			"secret_shares":        {Type: framework.TypeInt, Description: "Number of key shares to split the new key into."},
			"secret_threshold":     {Type: framework.TypeInt, Description: "Number of key shares required to reconstruct the new key."},
			"pgp_keys":             {Type: framework.TypeCommaStringSlice, Description: "Not supported: refused when given."},
			"backup":               {Type: framework.TypeBool, Description: "Not supported."},
			"require_verification": {Type: framework.TypeBool, Description: "Not supported."},
		}, Operations: map[framework.Operation]framework.HandlerFunc{
			framework.ReadOperation:   m.handleRekeyStatus,
			framework.UpdateOperation: m.handleRekeyInit,
			framework.DeleteOperation: m.handleRekeyCancel,
		}},
		&framework.Path{Pattern: "rekey/update", Unauthenticated: true, Synopsis: "Provides one share of the current key to a rekey.", Fields: map[string]*framework.FieldSchema{
			"key":   {Type: framework.TypeString, Description: "Specifies a single key share."},
			"nonce": {Type: framework.TypeString, Description: "The nonce of the rekey attempt."},
		}, Operations: map[framework.Operation]framework.HandlerFunc{
			framework.UpdateOperation: m.handleRekeyUpdate,
		}},
	)
	return &framework.Backend{Paths: paths}
}

func (m *Sealer) handleInitStatus(*framework.Request) (*framework.Response, error) {
	return &framework.Response{Raw: mustJSON(map[string]bool{"initialized": m.Initialized()}), RawContentType: "application/json"}, nil
}

// intField reads an integer field, def when absent.
func intField(req *framework.Request, key string, def int) int {
	if v, ok := req.IntOk(key); ok {
		return v
	}
	return def
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sys: response does not marshal: " + err.Error())
	}
	return b
}

// handleInit is PUT sys/init: create the root key, the keyring and the
// root token, and hand out the unseal (or recovery) key shares.
func (m *Sealer) handleInit(req *framework.Request) (*framework.Response, error) {
	if m.dev || m.Initialized() {
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
		n := intField(req, "recovery_shares", 5)
		t := intField(req, "recovery_threshold", 3)
		recoveryKey := ledger.RandomKey()
		var err error
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
		n := intField(req, "secret_shares", 0)
		t := intField(req, "secret_threshold", 0)
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
	if err := m.ledger.InitWith(ctx, seal, info); err != nil {
		return nil, fmt.Errorf("node: init: %w", err)
	}
	stored, err := m.ledger.ReadSealInfo(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.initialized, m.info = true, stored
	m.mu.Unlock()
	if err := m.hooks.Activate(ctx); err != nil {
		return nil, fmt.Errorf("node: activate after init: %w", err)
	}
	root, err := m.hooks.RootToken(ctx)
	if err != nil {
		return nil, fmt.Errorf("node: root token: %w", err)
	}
	out["root_token"] = root
	m.log.Info("coffer initialized", "seal", seal.Type())
	if m.cfg.Type == kmsseal.SealType {
		return &framework.Response{Raw: mustJSON(out), RawContentType: "application/json"}, nil
	}
	// Shamir: sealed again once the shares are out, as Vault and OpenBao
	// are (issue 10, item 13): the operator proves the threshold of shares
	// works before the node serves anything. The node was unsealed only to
	// write the keyring and mint the root token.
	body := mustJSON(out)
	return &framework.Response{Stream: func(w http.ResponseWriter, _ *http.Request) {
		// Sealed before the answer goes out (its audit record is already
		// stored): a client that asks anything once it has the shares
		// finds the node sealed, never in between.
		m.sealing.Lock()
		defer m.sealing.Unlock()
		m.sealNow()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	}}, nil
}

var recoveryAAD = []byte("coffer-recovery-check")

func (m *Sealer) statusResponse() (*framework.Response, error) {
	t, n := m.Threshold()
	progress, nonce := m.Progress()
	return &framework.Response{Raw: mustJSON(map[string]any{
		"type": m.SealType(), "initialized": m.Initialized(), "sealed": m.Sealed(), "t": t, "n": n,
		"progress": progress, "nonce": nonce, "version": m.version, "migration": false,
		"recovery_seal": m.RecoverySeal(), "storage_type": "ledger",
	}), RawContentType: "application/json"}, nil
}

// handleUnseal is PUT sys/unseal: collect shares until the threshold, then
// unseal and activate.
func (m *Sealer) handleUnseal(req *framework.Request) (*framework.Response, error) {
	m.sealing.Lock()   // wait out a seal whose response is already out
	m.sealing.Unlock() //nolint:staticcheck // a barrier, not a critical section
	if !m.Initialized() {
		return nil, framework.BadRequest("Vault is not initialized")
	}
	if !m.Sealed() {
		return m.statusResponse()
	}
	if req.Bool("reset") {
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
	raw := req.String("key")
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
		if err := m.ledger.Unseal(req.Context(), seal); err != nil {
			return nil, fmt.Errorf("node: unseal: %w", err)
		}
		if err := m.hooks.Activate(req.Context()); err != nil {
			return nil, fmt.Errorf("node: activate after unseal: %w", err)
		}
		m.log.Info("coffer unsealed")
	}
	return m.statusResponse()
}

// handleSeal is PUT sys/seal (sudo). The node seals once the request's
// audit record is stored (the gateway calls Stream after it, and sealing
// stops the ledger writer) and before the 204 goes out, so the client's
// next request finds it sealed.
func (m *Sealer) handleSeal(*framework.Request) (*framework.Response, error) {
	return &framework.Response{Stream: func(w http.ResponseWriter, _ *http.Request) {
		m.sealing.Lock()
		defer m.sealing.Unlock()
		m.sealNow()
		w.WriteHeader(http.StatusNoContent)
	}}, nil
}

func (m *Sealer) sealNow() {
	if err := m.hooks.Deactivate(); err != nil {
		m.log.Error("seal: stopping the unsealed node", "err", err)
	}
	m.ledger.Seal()
	m.mu.Lock()
	if m.unsealer != nil {
		m.unsealer.Reset()
	}
	m.rekey = nil
	m.mu.Unlock()
	m.log.Info("coffer sealed")
}

// StartAutoUnseal unseals an initialised KMS-sealed node in the
// background, retrying with backoff while KMS is unreachable and logging
// why it is still sealed.
func (m *Sealer) StartAutoUnseal() {
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
			m.log.Warn("still sealed: AWS KMS unseal failed; retrying", "err", err, "retry_in", wait.Round(time.Millisecond))
		}}
		// Every failure is retried, the unreachable and the refused alike:
		// a key can be re-enabled and a policy fixed without a restart.
		// The logged error says which it is.
		err := b.Retry(ctx, func(ctx context.Context) error {
			if err := m.ledger.Unseal(ctx, m.kms); err != nil {
				return err
			}
			return m.hooks.Activate(ctx)
		})
		if err != nil && ctx.Err() == nil {
			m.log.Error("auto-unseal gave up", "err", err)
			return
		}
		if err == nil {
			m.mu.Lock()
			m.lastErr = ""
			m.mu.Unlock()
			m.log.Info("coffer unsealed with AWS KMS")
		}
	}()
}

// Stop ends the auto-unseal loop.
func (m *Sealer) Stop() {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
}
