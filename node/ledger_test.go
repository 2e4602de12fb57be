package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/cofferhq/coffer/internal/testkit"
	vault "github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"
)

// The online ledger verification: checkpoints are signed as the node
// runs, and sys/ledger/verify recomputes the tree from the stored
// messages; sys/ledger/prove gives an inclusion proof.
func TestLedgerVerifyAndProveOnline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := Start(ctx, Config{DataDir: t.TempDir(), ListenAddr: "127.0.0.1:0", Dev: true, DevRootTokenID: "root-token",
		CheckpointInterval: 100 * time.Millisecond, Log: slog.New(slog.NewTextHandler(testkit.LogWriter(), nil))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	c := clientFor(t, n, "root-token")
	for i := 0; i < 20; i++ {
		_, err := c.KVv2("secret").Put(ctx, "v", map[string]any{"i": i})
		require.NoError(t, err)
	}
	last, err := n.ledger.LastSeq(ctx)
	require.NoError(t, err)
	testkit.CheckFor(t, 20*time.Second, 0, func() error {
		s, err := c.Logical().Read("sys/ledger/verify")
		if err != nil {
			return err
		}
		if s == nil {
			return errNotYet // no checkpoint signed yet
		}
		if ok, _ := s.Data["ok"].(bool); !ok {
			return errors.New("not verified yet")
		}
		covered, err := strconv.ParseUint(fmt.Sprint(s.Data["covered"]), 10, 64)
		if err != nil || covered < last {
			return fmt.Errorf("checkpoints cover %d of %d messages: %v", covered, last, s.Data)
		}
		return nil
	})
	proof, err := c.Logical().Read("sys/ledger/prove/3")
	require.NoError(t, err)
	require.NotEmpty(t, proof.Data)
	key, err := c.Logical().Read("sys/ledger/checkpoint-key")
	require.NoError(t, err)
	require.Contains(t, key.Data["verifier_key"], "coffer-ledger+")

	app, err := c.Auth().Token().Create(&vault.TokenCreateRequest{Policies: []string{"default"}})
	require.NoError(t, err)
	_, err = clientFor(t, n, app.Auth.ClientToken).Logical().Read("sys/ledger/verify")
	require.Error(t, err, "verification needs sudo")
}
