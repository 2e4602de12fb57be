package node

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/transparency"
)

// runCheckpointer keeps the transparency checkpointer running while the
// node is unsealed. It restarts after transient errors, but not after a
// second checkpointer or an inconsistent leaf store: those need an
// operator, and restarting would hide them.
func runCheckpointer(ctx context.Context, l *ledger.Store, n *Node) {
	cp := transparency.NewCheckpointer(l, transparency.Options{Log: n.cfg.Log, Interval: n.cfg.CheckpointInterval})
	for ctx.Err() == nil {
		err := cp.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, transparency.ErrConcurrentCheckpointer) || errors.Is(err, transparency.ErrInconsistentState) {
			n.cfg.Log.Error("checkpointer stopped; the ledger is no longer being checkpointed", "err", err)
			return
		}
		n.cfg.Log.Warn("checkpointer failed; restarting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// ledgerRootPaths need sudo: verifying reads the whole ledger.
func ledgerRootPaths() []string {
	return []string{"sys/ledger/verify", "sys/ledger/prove/*", "sys/ledger/stats"}
}

// ledgerPaths serve the online side of `coffer ledger verify|prove`.
func ledgerPaths(l *ledger.Store) framework.Backend {
	src := transparency.NewSource(l.JetStream())
	read := func(h framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
		return map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: h}
	}
	return framework.Paths{
		{Pattern: `ledger/checkpoint-key`, Operations: read(func(req *framework.Request) (*framework.Response, error) {
			rec, err := transparency.StoredKey(req.Context(), src)
			if errors.Is(err, transparency.ErrNoKey) {
				return nil, framework.Errorf(http.StatusNotFound, "no checkpoint has been signed yet")
			}
			if err != nil {
				return nil, err
			}
			return &framework.Response{Data: map[string]any{"verifier_key": rec.VerifierKey}}, nil
		})},
		// The writer's counters: make bench prints each scenario's commit
		// budget from them.
		{Pattern: `ledger/stats`, Operations: read(func(req *framework.Request) (*framework.Response, error) {
			return &framework.Response{Data: l.StatsData()}, nil
		})},
		{Pattern: `ledger/verify`, Operations: read(func(req *framework.Request) (*framework.Response, error) {
			key := req.Query.Get("public_key")
			if key == "" {
				rec, err := transparency.StoredKey(req.Context(), src)
				if err != nil {
					return nil, framework.Errorf(http.StatusNotFound, "no checkpoint key: %v", err)
				}
				key = rec.VerifierKey
			}
			pub, err := transparency.ParsePublicKey(key)
			if err != nil {
				return nil, framework.BadRequest("public_key: %v", err)
			}
			rep, err := transparency.Verify(req.Context(), src, pub)
			if err != nil {
				return nil, err
			}
			return &framework.Response{Data: rep.Data()}, nil
		})},
		{Pattern: `ledger/prove/(?P<index>[0-9]+)`, Operations: read(func(req *framework.Request) (*framework.Response, error) {
			index, err := strconv.ParseUint(req.Vars["index"], 10, 64)
			if err != nil {
				return nil, framework.BadRequest("index: %v", err)
			}
			p, err := transparency.Prove(req.Context(), src, index)
			if err != nil {
				return nil, framework.BadRequest("%v", err)
			}
			return &framework.Response{Data: p.Data()}, nil
		})},
	}
}
