package kmsseal_test

import (
	"context"
	"testing"
	"time"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
	"github.com/cofferhq/coffer/ledger/kmsseal"
	"github.com/cofferhq/coffer/ledger/kmsseal/kmstest"
	"github.com/stretchr/testify/require"
)

// openLedger starts an embedded ledger on dir, neither initialised nor
// unsealed; the returned stop function shuts it down (also run at cleanup).
func openLedger(t *testing.T, dir string) (*ledger.Store, func()) {
	t.Helper()
	env := ledgertest.Start(t, ledgertest.Options{Dir: dir, Sealed: true})
	return env.Ledger, env.Stop
}

// TestLedgerAutoUnsealSurvivesKMSOutage initialises a ledger under KMS,
// restarts it while KMS is down (it stays sealed, for a reason the seal
// names), and unseals it through the retry loop once KMS is back.
func TestLedgerAutoUnsealSurvivesKMSOutage(t *testing.T) {
	ctx := context.Background()
	srv := kmstest.Start(t)
	srv.CreateKey(t, alias)
	dir := t.TempDir()

	st, stop := openLedger(t, dir)
	require.NoError(t, st.Init(ctx, newSeal(t, srv, alias)))
	require.Equal(t, "awskms", st.SealType())
	stop()

	srv.Stop()
	st, _ = openLedger(t, dir)
	seal := newSeal(t, srv, alias)
	err := st.Unseal(ctx, seal)
	require.ErrorIs(t, err, kmsseal.ErrUnreachable)
	require.True(t, st.Sealed())

	var reasons []error
	err = kmsseal.Backoff{
		Initial: 20 * time.Millisecond,
		Max:     100 * time.Millisecond,
		OnError: func(err error, _ time.Duration) {
			reasons = append(reasons, err)
			if len(reasons) == 1 {
				srv.Restart(t)
			}
		},
	}.Retry(ctx, func(ctx context.Context) error { return st.Unseal(ctx, seal) })
	require.NoError(t, err)
	require.False(t, st.Sealed())
	require.NotEmpty(t, reasons)
	require.ErrorIs(t, reasons[0], kmsseal.ErrUnreachable)
}
