package shamir

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cofferhq/coffer/ledger"
	"github.com/stretchr/testify/require"
)

func TestGenerateSharesOpenTheSeal(t *testing.T) {
	seal, shares, err := Generate(5, 3)
	require.NoError(t, err)
	require.Equal(t, "shamir", seal.Type())
	require.Len(t, shares, 5)

	root := ledger.RandomKey()
	wrapped, err := seal.Wrap(root)
	require.NoError(t, err)
	require.NotContains(t, string(wrapped), string(root))

	key, err := Combine(pick(shares, []int{4, 0, 2}))
	require.NoError(t, err)
	again, err := NewSeal(key)
	require.NoError(t, err)
	got, err := again.Unwrap(wrapped)
	require.NoError(t, err)
	require.Equal(t, root, got)

	wrong, err := NewSeal(ledger.RandomKey())
	require.NoError(t, err)
	_, err = wrong.Unwrap(wrapped)
	require.ErrorIs(t, err, ledger.ErrCorrupt)

	short, err := Combine(pick(shares, []int{1, 3}))
	require.NoError(t, err)
	belowThreshold, err := NewSeal(short)
	require.NoError(t, err)
	_, err = belowThreshold.Unwrap(wrapped)
	require.ErrorIs(t, err, ledger.ErrCorrupt)
}

func TestGenerateRefusesBadParams(t *testing.T) {
	_, _, err := Generate(3, 4)
	require.ErrorIs(t, err, ErrInvalidParams)
}

func TestNewSealRefusesWrongKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		_, err := NewSeal(make([]byte, n))
		require.ErrorIs(t, err, ErrUnsealKeySize)
	}
}

func TestNewSealCopiesTheKey(t *testing.T) {
	key := ledger.RandomKey()
	seal, err := NewSeal(key)
	require.NoError(t, err)
	root := ledger.RandomKey()
	wrapped, err := seal.Wrap(root)
	require.NoError(t, err)
	clear(key)
	got, err := seal.Unwrap(wrapped)
	require.NoError(t, err)
	require.Equal(t, root, got)
}

// A dev data dir is a Shamir seal with its key in a file: the dev key opens
// what DevSeal wrapped through NewSeal, so dev data can move to shares.
func TestDevSealKeyIsAShamirKey(t *testing.T) {
	dir := t.TempDir()
	dev, err := ledger.OpenDevSeal(dir)
	require.NoError(t, err)
	root := ledger.RandomKey()
	wrapped, err := dev.Wrap(root)
	require.NoError(t, err)

	key, err := os.ReadFile(filepath.Join(dir, ledger.DevKeyFile))
	require.NoError(t, err)
	seal, err := NewSeal(key)
	require.NoError(t, err)
	got, err := seal.Unwrap(wrapped)
	require.NoError(t, err)
	require.Equal(t, root, got)
}
