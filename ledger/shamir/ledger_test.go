package shamir

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cofferhq/coffer/internal/ledgertest"
	"github.com/cofferhq/coffer/ledger"
)

// openLedger starts an embedded ledger on dir, neither initialised nor
// unsealed; the returned stop function shuts it down (also run at cleanup).
func openLedger(t *testing.T, dir string) (*ledger.Store, func()) {
	t.Helper()
	env := ledgertest.Start(t, ledgertest.Options{Dir: dir, Sealed: true})
	return env.Ledger, env.Stop
}

// TestShamirSealWithRealLedger runs init, restart while sealed, a wrong
// share set and a right one against an embedded JetStream ledger.
func TestShamirSealWithRealLedger(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	st, stop := openLedger(t, dir)
	seal, shares, err := Generate(5, 3)
	require.NoError(t, err)
	require.NoError(t, st.Init(ctx, seal))
	require.False(t, st.Sealed())
	require.Equal(t, "shamir", st.SealType())
	stop()

	st, _ = openLedger(t, dir)
	ok, err := st.Initialized(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, st.Sealed(), "a restarted server starts sealed")

	unsealWith := func(key []byte) error {
		s, err := NewSeal(key)
		if err != nil {
			return err
		}
		return st.Unseal(ctx, s)
	}
	u, err := NewUnsealer(3, 5, unsealWith)
	require.NoError(t, err)

	_, otherShares, err := Generate(5, 3)
	require.NoError(t, err)
	var stranger []byte
	for _, s := range otherShares {
		if s[32] != shares[0][32] && s[32] != shares[1][32] {
			stranger = s
			break
		}
	}
	for _, s := range [][]byte{shares[0], shares[1]} {
		_, _, _, err := u.Submit(s)
		require.NoError(t, err)
	}
	_, done, _, err := u.Submit(stranger)
	require.ErrorIs(t, err, ErrWrongShares)
	require.False(t, done)
	require.True(t, st.Sealed(), "a wrong share set leaves the ledger sealed")

	for i, s := range [][]byte{shares[4], shares[2], shares[3]} {
		_, done, _, err = u.Submit(s)
		require.NoError(t, err)
		require.Equal(t, i == 2, done)
	}
	require.False(t, st.Sealed())
	require.Equal(t, "shamir", st.SealType())

	// Neither the unseal key nor any share is ever written to disk.
	key, err := Combine(shares[:3])
	require.NoError(t, err)
	canaries := append([][]byte{key}, shares...)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, c := range canaries {
			require.Falsef(t, bytes.Contains(b, c), "%s holds unseal key material", path)
		}
		return nil
	})
	require.NoError(t, err)
}
