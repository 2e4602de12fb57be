package sys

import (
	"errors"
	"net/http"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/kmsseal"
	"github.com/cofferhq/coffer/ledger/shamir"
)

// rekeyAttempt is one sys/rekey run: the new share layout and the old
// shares collected so far. With a KMS seal it rekeys the recovery key.
type rekeyAttempt struct {
	nonce             string
	shares, threshold int
	collect           *shamir.Unsealer
}

// rekeyStatus describes an attempt; required is the old threshold. It
// takes no lock (callers may hold m.mu).
func rekeyStatus(a *rekeyAttempt, required int) map[string]any {
	out := map[string]any{
		"started": a != nil, "nonce": "", "t": 0, "n": 0, "progress": 0, "required": required,
		"pgp_fingerprints": nil, "backup": false, "verification_required": false,
	}
	if a != nil {
		out["nonce"], out["t"], out["n"], out["progress"] = a.nonce, a.threshold, a.shares, a.collect.Progress()
	}
	return out
}

func (m *Sealer) handleRekeyStatus(*framework.Request) (*framework.Response, error) {
	m.mu.Lock()
	a := m.rekey
	m.mu.Unlock()
	t, _ := m.Threshold()
	return &framework.Response{Raw: mustJSON(rekeyStatus(a, t)), RawContentType: "application/json"}, nil
}

func (m *Sealer) handleRekeyCancel(*framework.Request) (*framework.Response, error) {
	m.mu.Lock()
	m.rekey = nil
	m.mu.Unlock()
	return nil, nil
}

// verifyOldKey checks that the combined old shares are the current unseal
// key (Shamir) or recovery key (KMS).
func (m *Sealer) verifyOldKey(info ledger.SealInfo) func([]byte) error {
	if info.Type == kmsseal.SealType {
		return func(key []byte) error {
			_, err := ledger.OpenWith(key, recoveryAAD, info.RecoveryCheck)
			return err
		}
	}
	return shamir.OpensRootKey(info.WrappedRootKey)
}

func (m *Sealer) handleRekeyInit(req *framework.Request) (*framework.Response, error) {
	if pgp, ok := req.Data["pgp_keys"]; ok && pgp != nil {
		return nil, framework.BadRequest("pgp_keys are not supported")
	}
	n := intField(req, "secret_shares", 0)
	t := intField(req, "secret_threshold", 0)
	if n < 1 || t < 1 || t > n || n > 255 || (n > 1 && t < 2) {
		return nil, framework.BadRequest("invalid secret_shares/secret_threshold: want 1 <= threshold <= shares <= 255, threshold > 1 for several shares")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rekey != nil {
		return nil, framework.BadRequest("rekey already in progress")
	}
	oldT, oldN := m.info.SecretThreshold, m.info.SecretShares
	if m.info.Type == kmsseal.SealType {
		oldT, oldN = m.info.RecoveryThreshold, m.info.RecoveryShares
	}
	u, err := shamir.NewUnsealer(oldT, oldN, m.verifyOldKey(m.info))
	if err != nil {
		return nil, err
	}
	m.rekey = &rekeyAttempt{nonce: ledger.NewID(), shares: n, threshold: t, collect: u}
	return &framework.Response{Raw: mustJSON(rekeyStatus(m.rekey, oldT)), RawContentType: "application/json"}, nil
}

// handleRekeyUpdate takes one old share; at the threshold it makes the new
// key, records the new seal record and returns the new shares.
func (m *Sealer) handleRekeyUpdate(req *framework.Request) (*framework.Response, error) {
	m.mu.Lock()
	a, info := m.rekey, m.info
	m.mu.Unlock()
	if a == nil {
		return nil, framework.BadRequest("no rekey in progress")
	}
	nonce := req.String("nonce")
	if nonce != a.nonce {
		return nil, framework.BadRequest("incorrect nonce")
	}
	raw := req.String("key")
	share, err := shamir.ParseShare(raw)
	if err != nil {
		return nil, framework.BadRequest("%v", err)
	}
	progress, done, oldKey, err := a.collect.Submit(share)
	switch {
	case errors.Is(err, shamir.ErrDuplicateShare), errors.Is(err, shamir.ErrMalformedShare), errors.Is(err, shamir.ErrWrongShares):
		return nil, framework.BadRequest("%v", err)
	case err != nil:
		return nil, err
	}
	if !done {
		t, _ := m.Threshold()
		out := rekeyStatus(a, t)
		out["progress"] = progress
		return &framework.Response{Raw: mustJSON(out), RawContentType: "application/json"}, nil
	}
	clear(oldKey)
	newKey := ledger.RandomKey()
	defer clear(newKey)
	shares, err := shamir.Split(newKey, a.shares, a.threshold)
	if err != nil {
		return nil, framework.BadRequest("%v", err)
	}
	var seal ledger.Seal
	next := info
	if info.Type == kmsseal.SealType {
		check, err := ledger.SealWith(newKey, recoveryAAD, []byte("coffer-recovery"))
		if err != nil {
			return nil, err
		}
		seal, next.RecoveryShares, next.RecoveryThreshold, next.RecoveryCheck = m.kms, a.shares, a.threshold, check
	} else {
		s, err := shamir.NewSeal(newKey)
		if err != nil {
			return nil, err
		}
		seal, next.SecretShares, next.SecretThreshold = s, a.shares, a.threshold
	}
	if err := m.ledger.Rekey(req.Context(), seal, next); err != nil {
		return nil, err
	}
	stored, err := m.ledger.ReadSealInfo(req.Context())
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.info, m.rekey, m.unsealer = stored, nil, nil
	m.mu.Unlock()
	keys, keys64 := shamir.EncodeShares(shares)
	m.log.Info("coffer rekeyed", "shares", a.shares, "threshold", a.threshold)
	return &framework.Response{StatusCode: http.StatusOK, Raw: mustJSON(map[string]any{
		"complete": true, "nonce": a.nonce, "keys": keys, "keys_base64": keys64, "backup": false,
		"verification_required": false, "pgp_fingerprints": nil,
	}), RawContentType: "application/json"}, nil
}
