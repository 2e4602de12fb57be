package checkpoint

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/cofferhq/coffer/engines/framework"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/transparency"
)

// Module is the checkpoint service; interval bounds how often a checkpoint
// is signed (0: the checkpointer's default).
func Module(interval time.Duration) framework.Module {
	return framework.Module{
		Type:        "checkpoint",
		Kind:        framework.SysService,
		Description: "transparency checkpoints of the ledger, and their verification",
		Start: func(env *framework.Env) (*framework.Instance, error) {
			l, log := env.Ledger, env.Log
			return &framework.Instance{
				Sys: paths(l),
				Services: []framework.Service{{Name: "checkpointer", Singleton: true, Run: func(ctx context.Context) error {
					run(ctx, l, log, interval)
					return nil
				}}},
			}, nil
		},
	}
}

// run keeps the transparency checkpointer running until ctx ends. It
// restarts after transient errors, but not after a second checkpointer or
// an inconsistent leaf store: those need an operator, and restarting would
// hide them.
func run(ctx context.Context, l *ledger.Store, log *slog.Logger, interval time.Duration) {
	cp := transparency.NewCheckpointer(l, transparency.Options{Log: log, Interval: interval, Replicas: l.Replicas()})
	for ctx.Err() == nil {
		err := cp.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, transparency.ErrConcurrentCheckpointer) || errors.Is(err, transparency.ErrInconsistentState) {
			log.Error("checkpointer stopped; the ledger is no longer being checkpointed", "err", err)
			return
		}
		log.Warn("checkpointer failed; restarting", "err", err)
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
}

// paths serve the online side of `coffer ledger verify|prove` and the
// writer's counters. Verifying and proving read the whole ledger: they
// need sudo (as do the counters, as on main).
func paths(l *ledger.Store) *framework.Backend {
	src := transparency.NewSource(l.JetStream())
	read := func(h framework.HandlerFunc) map[framework.Operation]framework.HandlerFunc {
		return map[framework.Operation]framework.HandlerFunc{framework.ReadOperation: h}
	}
	return &framework.Backend{Paths: []*framework.Path{
		{Pattern: `ledger/checkpoint-key`, Fields: map[string]*framework.FieldSchema{}, Synopsis: "The public key checkpoints are signed with.",
			Operations: read(func(req *framework.Request) (*framework.Response, error) {
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
		{Pattern: `ledger/stats`, Sudo: true, Fields: map[string]*framework.FieldSchema{},
			Synopsis: "The ledger writer's and data-key store's counters.",
			Operations: read(func(req *framework.Request) (*framework.Response, error) {
				return &framework.Response{Data: l.StatsData()}, nil
			})},
		{Pattern: `ledger/verify`, Sudo: true, Synopsis: "Recompute every checkpoint and report the first altered, missing or reordered message.",
			Fields: map[string]*framework.FieldSchema{
				"public_key": {Type: framework.TypeString, Query: true, Description: "The verifier key to check signatures with (the stored one by default)."},
			},
			Operations: read(func(req *framework.Request) (*framework.Response, error) {
				key := req.String("public_key")
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
		{Pattern: `ledger/prove/(?P<index>[0-9]+)`, Sudo: true, Synopsis: "An inclusion proof of one ledger message in the latest checkpoint.",
			Fields: map[string]*framework.FieldSchema{
				"index": {Type: framework.TypeString, Description: "The ledger index to prove."},
			},
			Operations: read(func(req *framework.Request) (*framework.Response, error) {
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
	}}
}
