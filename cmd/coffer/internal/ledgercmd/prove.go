package ledgercmd

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cofferhq/coffer/ledger/transparency"
)

func (a *app) proveCmd() *cobra.Command {
	var t target
	cmd := &cobra.Command{
		Use:   "prove INDEX",
		Short: "Print an inclusion proof of one ledger message in a signed checkpoint",
		Long: `Print, as JSON, the RFC 6962 inclusion proof of the message stored at
ledger index INDEX in the latest signed checkpoint, and check it. An outside
party can check the same JSON with the checkpoint public key alone
(transparency.CheckProof, or any RFC 6962 verifier plus a signed-note
verifier).

Exit status: 0 proof printed and checked, 2 the message or proof does not
check out, 1 could not build a proof.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			index, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil || index == 0 {
				return a.fail(cmd, exitFailure, "ledger prove: INDEX must be a ledger index (1, 2, ...), got %q", args[0])
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			p, pub, err := t.prove(ctx, a, index)
			if errors.Is(err, transparency.ErrBadProof) {
				return a.fail(cmd, exitTampered, "ledger prove: %v", err)
			}
			if err != nil {
				return a.fail(cmd, exitFailure, "ledger prove: %v", err)
			}
			enc := json.NewEncoder(a.stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(p); err != nil {
				return a.fail(cmd, exitFailure, "ledger prove: %v", err)
			}
			if err := transparency.CheckProof(p, pub); err != nil {
				return a.fail(cmd, exitTampered, "ledger prove: the proof does not verify: %v", err)
			}
			fmt.Fprintf(a.stderr, "proof of index %d checks out against the signed checkpoint of %d messages\n", p.Index, p.TreeSize)
			return nil
		},
	}
	t.addFlags(cmd.Flags())
	return cmd
}

func (t *target) prove(ctx context.Context, a *app, index uint64) (transparency.Proof, ed25519.PublicKey, error) {
	if t.dataDir != "" {
		o, err := transparency.OpenOffline(t.dataDir)
		if err != nil {
			return transparency.Proof{}, nil, err
		}
		defer o.Close()
		pub, err := t.offlineKey(ctx, a, o)
		if err != nil {
			return transparency.Proof{}, nil, err
		}
		p, err := transparency.Prove(ctx, o, index)
		return p, pub, err
	}
	pub, err := t.onlineKey(ctx, a)
	if err != nil {
		return transparency.Proof{}, nil, err
	}
	data, err := t.read(ctx, fmt.Sprintf("sys/ledger/prove/%d", index))
	if err != nil {
		return transparency.Proof{}, nil, err
	}
	p, err := transparency.ProofFromData(data)
	return p, pub, err
}
